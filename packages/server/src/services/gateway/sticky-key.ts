import type { RouteConfig } from './gateway-config.js';

/**
 * The key that keeps one caller on one variant of a `weighted` route: the request's `user` field or a
 * header, per the route's `stickyBy`; undefined for other strategies or when the request lacks it.
 */
export function stickyKeyOf(
  route: RouteConfig,
  user: string | undefined,
  header: (name: string) => string | undefined,
): string | undefined {
  if (route.strategy !== 'weighted' || !route.stickyBy) return undefined;
  if (route.stickyBy === 'user') return user;
  return header(route.stickyBy.slice('header:'.length));
}
