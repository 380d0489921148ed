/** Small helpers for raw HTTP assertions against the app. */
export type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export function client(fetch: FetchLike, baseURL: string, key: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${key}`, ...headers } };
    if (body !== undefined) {
      if (typeof body === 'string' || body instanceof FormData || body instanceof Uint8Array) {
        init.body = body as BodyInit;
      } else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
    }
    const res = await fetch(`${baseURL}${path}`, init);
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests assert on arbitrary response shapes
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    delete: (path: string) => call('DELETE', path),
    call,
  };
}
