/**
 * What the EC2 rules share: reading EC2 query parameters as the SDK sends them (flat, `GroupId.1`,
 * `Filter.1.Name`...), looking resources up in moto (straight, no rules: a failed lookup lets the request
 * through so moto answers it as it would), and careful edits of EC2 XML answers.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type Instance,
  type NetworkInterface,
} from "@aws-sdk/client-ec2";
import type { RuleContext, StrictRequest } from "./types";

/** An EC2 request calling one of `operations`. */
export const isEc2 = (req: StrictRequest, ...operations: string[]): boolean =>
  req.service === "ec2" && operations.includes(req.operation);

/** Values of a list parameter in index order: `indexed(p, "GroupId")` reads `GroupId.1`, `GroupId.2`... */
export function indexed(params: Record<string, string>, prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`);
  return Object.entries(params)
    .map(([k, v]) => [re.exec(k)?.[1], v] as const)
    .filter((e): e is readonly [string, string] => e[0] !== undefined)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, v]) => v);
}

export const isTrue = (v: string | undefined): boolean => v?.toLowerCase() === "true";

/** A rule's map kept in its state slot (forgotten with the rest of the layer's state on a reset). */
export const stateMap =
  <V>(slot: string) =>
  (ctx: RuleContext): Map<string, V> =>
    ctx.state.of(slot, () => new Map<string, V>());

/**
 * A lookup in moto, straight (no rules), in the request's account and Region: undefined when moto
 * refuses it (an unknown id), so the rule lets the request through and moto answers it as it would.
 */
export async function motoLookup<T>(
  ctx: RuleContext,
  req: StrictRequest,
  call: (ec2: EC2Client) => Promise<T | undefined>,
): Promise<T | undefined> {
  try {
    return await call(ctx.moto(req.accountId, req.region).ec2);
  } catch {
    return undefined;
  }
}

/** One instance as moto has it. */
export const motoInstance = (ctx: RuleContext, req: StrictRequest, instanceId: string) =>
  motoLookup<Instance>(ctx, req, async (ec2) => {
    const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return res.Reservations?.[0]?.Instances?.[0];
  });

/** One network interface as moto has it. */
export const motoEni = (ctx: RuleContext, req: StrictRequest, eniId: string) =>
  motoLookup<NetworkInterface>(
    ctx,
    req,
    async (ec2) =>
      (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })))
        .NetworkInterfaces?.[0],
  );

/** Text of the first `<name>` in `xml`. */
export const xmlTag = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

/** Every `<name>` text in `xml`, in order. */
export const xmlTags = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((m) => m[1]!);

/**
 * The direct `<item>` children of the first `<set>` element, as [start, end) offsets into `xml` (nested
 * items, e.g. an image's block device mappings, belong to their parent item).
 */
export function setItems(xml: string, set: string): Array<[number, number]> {
  const open = xml.indexOf(`<${set}>`);
  if (open < 0) return [];
  const items: Array<[number, number]> = [];
  // Every element is balanced, so counting all of them finds the set's own items (depth 0).
  const tag = /<(\/?)([\w:]+)[^>]*?(\/?)>/g;
  tag.lastIndex = open + set.length + 2;
  let depth = 0;
  let start = -1;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) {
      if (depth === 0 && name === "item") start = m.index;
      depth += 1;
      continue;
    }
    if (depth === 0) break; // </set>
    depth -= 1;
    if (depth === 0 && name === "item") items.push([start, m.index + m[0].length]);
  }
  return items;
}

/** `xml` with each direct item of `<set>` replaced by `edit(item)` (undefined drops the item). */
export function editSetItems(xml: string, set: string, edit: (item: string) => string | undefined): string {
  let out = "";
  let at = 0;
  for (const [start, end] of setItems(xml, set)) {
    out += xml.slice(at, start) + (edit(xml.slice(start, end)) ?? "");
    at = end;
  }
  return out + xml.slice(at);
}

/** An `<item>...</item>` with `<name>value</name>` set: replaced where it is, else added at its end. */
export function setItemField(item: string, name: string, value: string): string {
  const re = new RegExp(`<${name}>[^<]*</${name}>|<${name}/>`);
  const field = `<${name}>${value}</${name}>`;
  return re.test(item) ? item.replace(re, field) : item.replace(/<\/item>$/, `${field}</item>`);
}
