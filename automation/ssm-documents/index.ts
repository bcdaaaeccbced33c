/** Scripts the responder runs over SSM Run Command (log collection on the host, mounts on the workstation). */
export * from "./collect-artefacts";
export * from "./collect-logs";
export * from "./mount-readonly";
export * from "./shell";
