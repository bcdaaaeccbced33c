/** Well-known port names, for messages. */
const NAMES: Record<number, string> = {
  21: "FTP",
  22: "SSH",
  23: "Telnet",
  135: "MS-RPC",
  139: "NetBIOS",
  445: "SMB",
  1433: "SQL Server",
  1434: "SQL Server browser",
  1521: "Oracle",
  2375: "Docker API",
  2376: "Docker API (TLS)",
  3306: "MySQL",
  3389: "RDP",
  5432: "PostgreSQL",
  5900: "VNC",
  5984: "CouchDB",
  5985: "WinRM",
  5986: "WinRM (TLS)",
  6379: "Redis",
  7000: "Cassandra",
  9042: "Cassandra CQL",
  9200: "Elasticsearch",
  9300: "Elasticsearch transport",
  10250: "kubelet",
  11211: "Memcached",
  27017: "MongoDB",
};

export function portLabel([from, to]: [number, number]): string {
  if (from === to) return NAMES[from] ? `${NAMES[from]} (${from})` : `${from}`;
  return `${from}-${to}`;
}

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
