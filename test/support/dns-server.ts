/**
 * A real DNS server on loopback for tests: UDP, the RFC 1035 wire format (encoded and decoded
 * by dns-packet), answering TXT questions from a table and NXDOMAIN for names it does not know.
 */
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface TestDnsServer {
  /** `127.0.0.1:<port>`, as DNS_RESOLVERS takes it. */
  address: string;
  /** TXT records per name (lowercase, no trailing dot); each record is its character-strings. */
  txt: Map<string, string[][]>;
  /** Names asked about, in order. */
  questions: string[];
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const socket = createSocket('udp4');
  const txt = new Map<string, string[][]>();
  const questions: string[] = [];
  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: no answer
    }
    const question = query.questions?.[0];
    const name = question?.name.toLowerCase().replace(/\.$/, '') ?? '';
    questions.push(name);
    const records = question?.type === 'TXT' ? txt.get(name) : undefined;
    const known = txt.has(name);
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3), // RCODE 3: NXDOMAIN
      questions: query.questions ?? [],
      answers: (records ?? []).map((data) => ({
        type: 'TXT' as const,
        class: 'IN' as const,
        name: question!.name,
        ttl: 60,
        data,
      })),
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    txt,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
