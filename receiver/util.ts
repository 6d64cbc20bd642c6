// Small pieces both transports share.

/** What each transport's start function hands back to index.ts. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** IPv6 literals need brackets in a URL or a grpc-js address. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
