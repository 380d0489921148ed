// Preloaded into the Portkey gateway process (`node --import ./bench/gateway/portkey-fetch-fix.mjs ...`).
//
// @portkey-ai/gateway 1.15.2 on Node answers every streamed chat completion with 500 "Something went
// wrong" (`TypeError: immutable` in ResponseService.updateHeaders): with @hono/node-server > 1.14.2
// (1.19.19 is what npm installs under it) a streamed upstream response keeps fetch's immutable headers,
// which Portkey then appends its x-portkey-* headers to. Known upstream: Portkey-AI/gateway issues
// #1389 and #1550; the proposed fix (PR #1551) copies the response before adding headers. This does the
// same copy one step earlier, on the upstream's SSE responses only: same body stream, a mutable copy of
// the headers. Non-streaming responses are untouched.
const upstreamFetch = globalThis.fetch;
const NativeResponse = globalThis.Response;
const NativeHeaders = globalThis.Headers;

globalThis.fetch = async (input, init) => {
  const response = await upstreamFetch(input, init);
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  return new NativeResponse(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new NativeHeaders(response.headers),
  });
};
