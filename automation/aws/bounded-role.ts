/**
 * Creates a role the way the responder may: with the project's permissions boundary (the responder's
 * iam:CreateRole requires `iam:PermissionsBoundary` = ir-role-boundary, facts/role-boundary.ts). Where
 * no baseline runs the boundary policy does not exist yet: it is created (by whoever runs `ir` there, an
 * administrator), then the role. A role or policy an interrupted earlier run made is taken as it is.
 */
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  type CreateRoleCommandInput,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { ROLE_BOUNDARY_NAME, roleBoundaryArn, roleBoundaryPolicy } from "../../facts/role-boundary";
import { errorName, isNoSuchEntity } from "./errors";

const alreadyThere = (err: unknown): undefined => {
  if (!["EntityAlreadyExists", "EntityAlreadyExistsException"].includes(errorName(err))) throw err;
  return undefined;
};

export async function createBoundedRole(
  iam: IAMClient,
  input: Omit<CreateRoleCommandInput, "PermissionsBoundary">,
  account: { partition: string; accountId: string },
): Promise<void> {
  const create = () =>
    iam.send(
      new CreateRoleCommand({
        ...input,
        PermissionsBoundary: roleBoundaryArn(account.partition, account.accountId),
      }),
    );
  await create()
    .catch(async (err) => {
      if (!isNoSuchEntity(err)) throw err;
      await iam
        .send(
          new CreatePolicyCommand({
            PolicyName: ROLE_BOUNDARY_NAME,
            PolicyDocument: JSON.stringify(roleBoundaryPolicy()),
            Description: "Permissions boundary of every role the responder creates",
          }),
        )
        .catch(alreadyThere);
      return create();
    })
    .catch(alreadyThere);
}
