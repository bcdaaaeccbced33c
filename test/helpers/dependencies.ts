/**
 * The dependencies each resource was registered with under Pulumi mocks (explicit `dependsOn` and the
 * resources its inputs come from), which the mocks' `newResource` does not show. Call after
 * installMocks(): it wraps the mock monitor's registerResource for the rest of that mocks session.
 */
import * as settings from "@pulumi/pulumi/runtime/settings";

/** A dependency: the type token and name of a resource. */
export interface Dependency {
  type: string;
  name: string;
}

/** The resources each resource (by name; the last registered wins) depends on directly. */
export type DependencyMap = Map<string, Dependency[]>;

/** The names of a resource's dependencies. */
export const dependencyNames = (deps: DependencyMap, name: string) =>
  (deps.get(name) ?? []).map((d) => d.name);

export function recordDependencies(): DependencyMap {
  const deps: DependencyMap = new Map();
  const monitor = settings.getMonitor() as unknown as {
    registerResource(req: { getName(): string; getDependenciesList(): string[] }, callback: unknown): unknown;
  };
  if (!monitor?.registerResource) throw new Error("recordDependencies: call installMocks() first");
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (
    req: { getName(): string; getDependenciesList(): string[] },
    callback: unknown,
  ) => {
    const urns: string[] = req.getDependenciesList();
    deps.set(
      req.getName(),
      // urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>
      urns.map((u) => {
        const parts = u.split("::");
        return { type: parts[parts.length - 2].split("$").pop() ?? "", name: parts[parts.length - 1] };
      }),
    );
    return original(req, callback);
  };
  return deps;
}
