import type { AppDeps } from './deps.js';
import type { Principal } from './middleware/auth/index.js';

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
    deps: AppDeps;
    principal: Principal;
  }
}
