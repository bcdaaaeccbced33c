/** The role writer a step writes role policies through (automation/aws/role-writer.ts), for a case. */
import type { AwsClients } from "../aws/clients";
import { type RoleWriter, roleWriterFor } from "../aws/role-writer";
import type { CaseContext } from "../case/context";

/** Clients of the writer's Region per case clients: IAM is global, the function lives in one Region. */
const homeClients = new WeakMap<AwsClients, AwsClients>();

/** The Region of the role writer: its ARN's, else the baseline's home Region (the settings' Region). */
function writerClients(ctx: Pick<CaseContext, "clients" | "settings">): AwsClients {
  const fn = ctx.settings.roleWriterFunction ?? "";
  const region = fn.startsWith("arn:") ? fn.split(":")[3]! : ctx.settings.region;
  if (ctx.clients.region === region) return ctx.clients;
  let c = homeClients.get(ctx.clients);
  if (!c) {
    c = ctx.clients.forRegion(region);
    homeClients.set(ctx.clients, c);
  }
  return c;
}

/**
 * `anyArn`: an ARN of the account (the instance's): its partition and account bind the quarantine
 * document when `ir` writes it itself.
 */
export function roleWriterOf(ctx: Pick<CaseContext, "clients" | "settings">, anyArn: string): RoleWriter {
  const [, partition = "aws", , , accountId = ctx.settings.accountId ?? ""] = anyArn.split(":");
  return roleWriterFor(writerClients(ctx), ctx.settings, { partition, accountId });
}
