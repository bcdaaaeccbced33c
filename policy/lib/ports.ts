/**
 * Well-known services: a port and the transport protocols the service listens on. Protocol and port
 * together decide a service: UDP 21 is not FTP, while UDP 3389 (RDP's UDP transport), UDP 1434 (SQL
 * Server browser) and UDP 11211 (memcached, the amplification vector) are the service.
 */
const SERVICES: Record<number, { name: string; protocols: ReadonlyArray<"tcp" | "udp"> }> = {
  21: { name: "FTP", protocols: ["tcp"] },
  22: { name: "SSH", protocols: ["tcp"] },
  23: { name: "Telnet", protocols: ["tcp"] },
  135: { name: "MS-RPC", protocols: ["tcp", "udp"] },
  139: { name: "NetBIOS", protocols: ["tcp"] },
  445: { name: "SMB", protocols: ["tcp"] },
  1433: { name: "SQL Server", protocols: ["tcp"] },
  1434: { name: "SQL Server browser", protocols: ["udp"] },
  1521: { name: "Oracle", protocols: ["tcp"] },
  2375: { name: "Docker API", protocols: ["tcp"] },
  2376: { name: "Docker API (TLS)", protocols: ["tcp"] },
  3306: { name: "MySQL", protocols: ["tcp"] },
  3389: { name: "RDP", protocols: ["tcp", "udp"] },
  5432: { name: "PostgreSQL", protocols: ["tcp"] },
  5900: { name: "VNC", protocols: ["tcp"] },
  5984: { name: "CouchDB", protocols: ["tcp"] },
  5985: { name: "WinRM", protocols: ["tcp"] },
  5986: { name: "WinRM (TLS)", protocols: ["tcp"] },
  6379: { name: "Redis", protocols: ["tcp"] },
  7000: { name: "Cassandra", protocols: ["tcp"] },
  9042: { name: "Cassandra CQL", protocols: ["tcp"] },
  9200: { name: "Elasticsearch", protocols: ["tcp"] },
  9300: { name: "Elasticsearch transport", protocols: ["tcp"] },
  10250: { name: "kubelet", protocols: ["tcp"] },
  11211: { name: "Memcached", protocols: ["tcp", "udp"] },
  27017: { name: "MongoDB", protocols: ["tcp"] },
};

export function portLabel([from, to]: [number, number]): string {
  const name = from === to ? SERVICES[from]?.name : undefined;
  if (from === to) return name ? `${name} (${from})` : `${from}`;
  return `${from}-${to}`;
}

/**
 * Whether traffic of this protocol to ports [from, to] of a configured port (or range) reaches a
 * service there. A known port counts only for the protocols its service uses; ports the table does not
 * know count for TCP and UDP alike (the conservative reading).
 */
export function reachesService(
  configured: [number, number],
  protocol: "tcp" | "udp" | "all",
  from: number,
  to: number,
): boolean {
  if (protocol === "all") return true;
  const a = Math.max(configured[0], from);
  const b = Math.min(configured[1], to);
  if (a > b) return false;
  if (b - a + 1 > KNOWN_PORTS) return true; // more ports than the table knows: some are unknown
  for (let port = a; port <= b; port++) {
    const service = SERVICES[port];
    if (!service || service.protocols.includes(protocol)) return true;
  }
  return false;
}
const KNOWN_PORTS = Object.keys(SERVICES).length;

/** Remote administration ports checked by default. */
export const DEFAULT_ADMIN_PORTS: readonly (number | string)[] = [
  22, 3389, 23, 21, 135, 139, 445, 5900, 5985, 5986, 2375, 2376, 10250,
];
/** Database and cache ports checked by default. */
export const DEFAULT_DATABASE_PORTS: readonly (number | string)[] = [
  1433,
  1434,
  1521,
  3306,
  5432,
  5984,
  6379,
  7000,
  9042,
  9200,
  9300,
  11211,
  "27017-27019",
];
