/**
 * A Server-Sent Events client for tests: opens the stream with fetch and collects what
 * arrives (events, comment lines) into arrays a test polls with `eventually`. Parses the
 * text/event-stream format's `event`, `id`, `data` and comment lines; enough for the ops view.
 */

export interface ReceivedEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: string;
}

export interface EventReader {
  readonly status: number;
  readonly contentType: string | null;
  readonly events: ReceivedEvent[];
  /** Comment lines received (heartbeats). */
  comments(): number;
  /** True once the server ended the stream. */
  ended(): boolean;
  close(): void;
}

export async function openEvents(url: string, init: RequestInit = {}): Promise<EventReader> {
  const abort = new AbortController();
  const res = await fetch(url, { ...init, signal: abort.signal });
  const events: ReceivedEvent[] = [];
  let comments = 0;
  let ended = false;
  const block = (text: string) => {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of text.split("\n")) {
      if (line.startsWith(":")) comments += 1;
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("id: ")) id = line.slice(4);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ event, id, data: data.join("\n") });
  };
  const pump = async () => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of res.body ?? []) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffered.indexOf("\n\n");
      while (end >= 0) {
        block(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf("\n\n");
      }
    }
  };
  pump()
    .catch(() => undefined)
    .finally(() => {
      ended = true;
    });
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    events,
    comments: () => comments,
    ended: () => ended,
    close: () => abort.abort(),
  };
}
