// The baseline: a worker that answers 200 and does nothing else. Its cold start is the
// runtime's own cost, to subtract from the others.
export default {
  fetch() {
    return new Response('{"ok":true}', { headers: { "content-type": "application/json" } });
  },
};
