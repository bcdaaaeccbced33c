/**
 * Runs a Pulumi TypeScript program under mocks with a stack's configuration and collects every
 * resource it registers (type, name, props, parent component), with no cloud credentials and no
 * Pulumi CLI. Parents come from a stack transformation (it runs in the SDK, so it works under mocks;
 * engine-side transforms do not).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ANSWERS, type InvokeRecord } from "./invokes";

// biome-ignore lint/suspicious/noExplicitAny: Pulumi.yaml and resource inputs are untyped JSON
type Json = Record<string, any>;

export interface Collected {
  type: string;
  name: string;
  urn: string;
  /** Inputs plus the outputs the mocks computed (id, arn, name...). */
  props: Record<string, unknown>;
  /** Parent URN (a component, or the stack). */
  parent?: string;
  custom: boolean;
  /** Where the program declares the resource (first stack frame in the program's own files), when known. */
  source?: SourceLocation;
}

export interface SourceLocation {
  /** Absolute path of the program file. */
  file: string;
  line: number;
  column?: number;
}

export interface ProgramRun {
  project: string;
  stack: string;
  resources: Collected[];
  invokes: InvokeRecord[];
  /** Config values that could not be read offline (secrets). */
  secrets: string[];
  /** Errors the program raised (a run with errors is incomplete). */
  errors: string[];
  /** The program's directory and main file (absolute), for source locations. */
  dir?: string;
  main?: string;
}

export interface RunProgramOptions {
  dir: string;
  stack: string;
  accountId?: string;
  /** Region when the stack config sets none. @default "us-east-1" */
  region?: string;
  /** Config values that override the stack file ("key=value" keys, namespaced or not). */
  overrides?: Record<string, string>;
}

/** Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI does (project defaults, then stack values). */
export function readStackConfig(dir: string, stack: string) {
  const projectFile = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find(existsSync);
  if (!projectFile) throw new Error(`no Pulumi.yaml in ${dir}: pass the directory of a Pulumi program`);
  const project = parse(readFileSync(projectFile, "utf8")) as {
    name: string;
    main?: string;
    config?: Json;
  };
  const stackFile = join(dir, `Pulumi.${stack}.yaml`);
  if (!existsSync(stackFile))
    throw new Error(`stack "${stack}" has no config file: ${stackFile} does not exist (use --stack <name>)`);
  const values = ((parse(readFileSync(stackFile, "utf8")) as { config?: Record<string, unknown> } | null)
    ?.config ?? {}) as Record<string, unknown>;
  const config: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, schema] of Object.entries(project.config ?? {})) {
    const full = key.includes(":") ? key : `${project.name}:${key}`;
    const dflt =
      schema && typeof schema === "object" && "default" in schema
        ? schema.default
        : schema && typeof schema !== "object"
          ? schema
          : undefined;
    if (dflt !== undefined) config[full] = typeof dflt === "string" ? dflt : JSON.stringify(dflt);
  }
  for (const [key, v] of Object.entries(values)) {
    const full = key.includes(":") ? key : `${project.name}:${key}`;
    if (v && typeof v === "object" && "secure" in (v as object)) {
      secrets.push(full);
      config[full] = "policy-check-placeholder-secret";
    } else config[full] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { project: project.name, main: project.main ?? "index.ts", config, secrets };
}

/** Waits until no resource has been registered for several turns of the event loop. */
async function settle(count: () => number, quietTurns = 8) {
  let last = -1;
  let quiet = 0;
  while (quiet < quietTurns) {
    await new Promise((r) => setTimeout(r, 25));
    if (count() === last) quiet++;
    else {
      quiet = 0;
      last = count();
    }
  }
}

function outputsOf(type: string, name: string, inputs: Json, accountId: string, region: string) {
  const [, mod = "x"] = type.split(":");
  const service = mod.split("/")[0];
  const physical = inputs.name ?? name;
  const state: Record<string, unknown> = { ...inputs };
  let id = typeof inputs.name === "string" ? inputs.name : `${name}-id`;
  if (type === "aws:s3/bucket:Bucket" || type === "aws:s3/bucketV2:BucketV2") {
    state.bucket = inputs.bucket ?? `${name}-bucket`;
    id = state.bucket as string;
    state.arn = `arn:aws:s3:::${state.bucket}`;
  } else if (service === "iam") {
    state.name = physical;
    const kind = type
      .split(":")[2]
      .replace(/^[A-Z]/, (c) => c.toLowerCase())
      .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    state.arn = inputs.arn ?? `arn:aws:iam::${accountId}:${kind}/${physical}`;
    if (type === "aws:iam/instanceProfile:InstanceProfile" || type === "aws:iam/role:Role") id = physical;
  } else state.arn = inputs.arn ?? `arn:aws:${service}:${region}:${accountId}:${name}`;
  if (type === "aws:kms/key:Key") state.keyId = `${name}-key-id`;
  if (type === "aws:ec2/vpc:Vpc") state.defaultRouteTableId = `${name}-default-rt`;
  if (type === "aws:ec2/vpcEndpoint:VpcEndpoint") state.prefixListId = `pl-${name}`;
  if (state.name === undefined && typeof inputs.name !== "string") state.name = physical;
  return { id, state };
}

/** Runs the program; resolves once it has stopped registering resources. */
export async function runProgram(opts: RunProgramOptions): Promise<ProgramRun> {
  const dir = resolve(opts.dir);
  const { project, main, config, secrets } = readStackConfig(dir, opts.stack);
  for (const [k, v] of Object.entries(opts.overrides ?? {}))
    config[k.includes(":") ? k : `${project}:${k}`] = v;
  const accountId = opts.accountId ?? "123456789012";
  const region = config["aws:region"] ?? opts.region ?? "us-east-1";
  const collected: Collected[] = [];
  const invokes: InvokeRecord[] = [];
  const errors: string[] = [];
  const parents = new Map<string, string | undefined>(); // "type::name" → parent key
  const sources = new Map<string, SourceLocation>(); // "type::name" → declaration site
  const urnOf = (type: string, name: string) => `urn:pulumi:${opts.stack}::${project}::${type}::${name}`;
  const providerRegions = new Map<string, string>();

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = (args.inputs ?? {}) as Json;
        const r = args.provider
          ? (providerRegions.get(args.provider.split("::").slice(0, -1).join("::")) ?? region)
          : region;
        const { id, state } = outputsOf(args.type, args.name, inputs, accountId, r);
        const urn = urnOf(args.type, args.name);
        if (args.type === "pulumi:providers:aws" && typeof inputs.region === "string")
          providerRegions.set(urn, inputs.region);
        collected.push({
          type: args.type,
          name: args.name,
          urn,
          props: { ...state, id },
          custom: args.custom !== false,
        });
        return { id, state };
      },
      call(args) {
        const known = ANSWERS[args.token];
        const r = (args.inputs?.region as string | undefined) ?? region;
        if (known) {
          invokes.push({ token: args.token, answer: known.describe });
          return known.answer(args.inputs ?? {}, { accountId, region: r });
        }
        invokes.push({ token: args.token });
        return {};
      },
    },
    project,
    opts.stack,
    true,
  );
  // Restored afterwards: other code in the same process (tests) must not inherit this stack's config.
  const previousConfig = pulumi.runtime.allConfig();
  pulumi.runtime.setAllConfig(config, secrets);

  const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack") as {
    runInPulumiStack: (init: () => Promise<unknown>) => Promise<unknown>;
  };
  const onError = (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    if (!errors.includes(message)) errors.push(message);
  };
  process.on("unhandledRejection", onError);
  try {
    await runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((t) => {
        const parent = t.opts.parent as
          | (pulumi.Resource & { __name?: string; __pulumiType?: string })
          | undefined;
        parents.set(`${t.type}::${t.name}`, parent ? keyOf(parent) : undefined);
        // Components: the first program frame is their own super() call, so only custom resources.
        const source = t.resource instanceof pulumi.ComponentResource ? undefined : declarationSite(dir);
        if (source) sources.set(`${t.type}::${t.name}`, source);
        return undefined;
      });
      const program = join(dir, main);
      for (const id of Object.keys(require.cache))
        if (id.startsWith(join(dir, main).replace(/\.ts$/, ""))) delete require.cache[id];
      const mod = require(program.endsWith(".ts") || existsSync(program) ? program : dir);
      if (typeof mod?.default === "function") await mod.default();
      else if (typeof mod === "function") await mod();
      return undefined;
    }).catch(onError);
    await settle(() => collected.length);
  } finally {
    process.off("unhandledRejection", onError);
    pulumi.runtime.setAllConfig(previousConfig);
  }

  const byKey = new Map(collected.map((c) => [`${c.type}::${c.name}`, c]));
  const stackUrn = collected.find((c) => c.type === "pulumi:pulumi:Stack")?.urn;
  for (const c of collected) {
    if (c.type === "pulumi:pulumi:Stack") continue;
    const p = parents.get(`${c.type}::${c.name}`);
    c.parent = (p && byKey.get(p)?.urn) || stackUrn;
    const source = sources.get(`${c.type}::${c.name}`);
    if (source) c.source = source;
  }
  return {
    project,
    stack: opts.stack,
    resources: collected,
    invokes,
    secrets,
    errors,
    dir,
    main: join(dir, main),
  };
}

/** "type::name" of a resource object (the SDK keeps both on the instance). */
function keyOf(r: pulumi.Resource & { __name?: string; __pulumiType?: string }): string | undefined {
  const type = r.__pulumiType;
  const name = r.__name;
  return type && name ? `${type}::${name}` : undefined;
}

/**
 * The program's line that constructs the resource being registered. Stack transformations run
 * synchronously inside the resource's constructor, so the first frame in the program's own files
 * (not node_modules, not this checker) is the `new ...(...)` call; ts-node's source maps give the
 * TypeScript line.
 */
function declarationSite(dir: string): SourceLocation | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  const root = dir.endsWith(sep) ? dir : dir + sep;
  for (const line of stack.split("\n").slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^()]+?):(\d+):(\d+)\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, "");
    if (!file.startsWith(root) || file.includes(`${sep}node_modules${sep}`) || file.startsWith(CHECKER_DIR))
      continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

const CHECKER_DIR = resolve(__dirname, "..") + sep;
