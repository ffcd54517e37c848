import {
  DescribeClusterSnapshotsCommand,
  type DescribeClusterSnapshotsCommandOutput,
  type RedshiftClient,
} from '@aws-sdk/client-redshift';

/** DescribeClusterSnapshots' largest page: the fewest calls for a fleet. */
export const PAGE_SIZE = 100;

type Output = DescribeClusterSnapshotsCommandOutput;
type Page = { output: Promise<Output>; peeked: Promise<string | undefined> };

const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&apos;': "'",
};
const OPEN = Buffer.from('<Marker>');
const CLOSE = Buffer.from('</Marker>');

/**
 * The `<Marker>` of a raw DescribeClusterSnapshots response, read without parsing the page. Only
 * the marker's own bytes are decoded: a marker cut from the decoded page would keep all of the
 * page (~180 KB) in memory for as long as the next request holds on to its marker.
 */
export function peekMarker(body: Buffer): string | undefined {
  const start = body.indexOf(OPEN);
  const end = start < 0 ? -1 : body.indexOf(CLOSE, start);
  if (end < 0) return undefined;
  const found = body.toString('utf8', start + OPEN.length, end);
  return found ? found.replace(/&(amp|lt|gt|quot|apos);/g, (e) => ENTITIES[e] ?? e) : undefined;
}

/**
 * Sends one page request. A middleware between the transport and the SDK's parser reads the
 * raw body's marker as soon as a 200 arrives, so the caller can ask for the next page while the
 * SDK is still parsing this one (about 100 KB of XML a page).
 */
function fetchPage(client: RedshiftClient, marker: string | undefined): Page {
  let resolvePeek: (marker: string | undefined) => void = () => {};
  const peeked = new Promise<string | undefined>((resolve) => {
    resolvePeek = resolve;
  });
  const command = new DescribeClusterSnapshotsCommand({ MaxRecords: PAGE_SIZE, Marker: marker });
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: unknown };
      if (response.statusCode === 200 && response.body && typeof response.body === 'object') {
        const chunks: Uint8Array[] = [];
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
        const body = Buffer.concat(chunks);
        // The SDK's body collector takes bytes as readily as a stream.
        response.body = body;
        const next = peekMarker(body);
        resolvePeek(next);
        // Parsing is ~20 ms of synchronous work; one macrotask turn first lets the next page's
        // request (a chain of microtasks through the SDK) reach the socket before it starts.
        if (next) await new Promise((resolve) => setImmediate(resolve));
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'peekNextMarker' },
  );
  const output = client.send(command);
  // The parsed marker settles the peek if the middleware could not (a no-op when it already did).
  output.then(
    (out) => resolvePeek(out.Marker),
    () => {},
  );
  return { output, peeked };
}

/**
 * Every DescribeClusterSnapshots page, in order, one call per page: the same calls as the SDK
 * paginator, but each next request leaves as soon as the previous response's marker is in,
 * overlapping the SDK's parsing of one page with the network time of the next.
 *
 * @example
 * for await (const snapshots of describeAllPages(client)) console.log(snapshots.length);
 */
export async function* describeAllPages(
  client: RedshiftClient,
): AsyncGenerator<NonNullable<Output['Snapshots']>> {
  let inFlight: Page | undefined = fetchPage(client, undefined);
  while (inFlight) {
    const next: Promise<{ marker: string | undefined; page: Page | undefined }> = inFlight.peeked.then(
      (marker) => ({
        marker,
        page: marker ? fetchPage(client, marker) : undefined,
      }),
    );
    const output: Output = await inFlight.output;
    const peeked = await next;
    let page: Page | undefined = peeked.page;
    if (peeked.marker !== output.Marker) {
      // Never expected: the raw and parsed markers disagree. Trust the parsed one.
      page?.output.catch(() => {});
      page = output.Marker ? fetchPage(client, output.Marker) : undefined;
    }
    yield output.Snapshots ?? [];
    inFlight = page;
  }
}
