/**
 * Systems Manager: SendCommand is authorised on the document (AWS-owned documents have no account in
 * their ARN: arn:aws:ssm:<region>::document/AWS-RunShellScript) and on each target instance; parameters
 * on arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>; command reads and
 * inventory calls support no resource-level permission.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, jsonString } from "./common";

const UNSCOPED =
  /^(Describe\w+|List\w+|GetCommandInvocation|CancelCommand|GetInventory|GetConnectionStatus)$/;

export function ssmAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  const action = `ssm:${op}`;
  const json = req.json ?? {};
  const arn = (suffix: string, account = req.accountId) => `arn:aws:ssm:${req.region}:${account}:${suffix}`;
  const document = (name: string) =>
    name.startsWith("arn:") ? name : arn(`document/${name}`, /^(AWS|Amazon)/.test(name) ? "" : req.accountId);
  const parameter = (name: string) =>
    name.startsWith("arn:") ? name : arn(`parameter/${name.replace(/^\//, "")}`);
  if (UNSCOPED.test(op)) return [{ action, resource: "*" }];
  if (op === "SendCommand" || op === "StartSession") {
    const name =
      jsonString(json, op === "SendCommand" ? "DocumentName" : "DocumentName") ??
      "SSM-SessionManagerRunShell";
    const instances =
      op === "SendCommand"
        ? ((json.InstanceIds as string[] | undefined) ?? [])
        : [jsonString(json, "Target") ?? ""];
    return [
      { action, resource: document(name) },
      ...instances.map((i) => ({
        action,
        resource: `arn:aws:ec2:${req.region}:${req.accountId}:instance/${i}`,
      })),
    ];
  }
  if (/Parameters$/.test(op) && Array.isArray(json.Names))
    return (json.Names as string[]).map((n) => ({ action, resource: parameter(n) }));
  if (/Parameter/.test(op)) {
    const name = jsonString(json, "Name") ?? jsonString(json, "Path");
    // PutParameter's Overwrite, as ssm:Overwrite (absent when the request does not set it).
    const overwrite: Record<string, string> =
      typeof json.Overwrite === "boolean" ? { "ssm:Overwrite": String(json.Overwrite) } : {};
    return name ? [{ action, resource: parameter(name), context: overwrite }] : undefined;
  }
  if (/Document/.test(op)) {
    const name = jsonString(json, "Name");
    return name ? [{ action, resource: document(name) }] : undefined;
  }
  if (op === "UpdateInstanceInformation") {
    const id = jsonString(json, "InstanceId") ?? "";
    return [{ action, resource: `arn:aws:ec2:${req.region}:${req.accountId}:instance/${id}` }];
  }
  return undefined;
}
