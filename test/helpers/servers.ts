import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

export interface Running {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0; close() destroys open sockets too, so keep-alive clients cannot hold it. */
export function listenOnLoopback(server: Server | NetServer): Promise<Running> {
  return listen(server, new Set());
}

async function listen(server: Server | NetServer, sockets: Set<Socket>): Promise<Running> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A plain node:http server on 127.0.0.1:0. */
export function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Running> {
  return listen(createHttpServer(handler), new Set());
}

/** A raw TCP server on 127.0.0.1:0, for servers that do not speak HTTP properly. */
export function tcpServer(onSocket: (s: Socket) => void): Promise<Running> {
  const server = createNetServer(onSocket);
  return listen(server, new Set());
}
