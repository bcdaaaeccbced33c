/** `ir analyze` and `ir investigate` call into this library; the engine passes the clients in. */
export * from "./abuse";
export * from "./attacker-ips";
export * from "./change-history";
export * from "./cloudtrail-lookup";
export * from "./credential-use";
export * from "./finding-ips";
export * from "./finding-window";
export * from "./flow-log-keys";
export * from "./flow-logs";
export * from "./ip";
export * from "./ip-ranges";
export * from "./render";
export * from "./subject";
export * from "./terminal-safe";
