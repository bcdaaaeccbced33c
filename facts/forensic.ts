/**
 * Facts about the forensic VPC and workstation shared by the baseline (components/forensic-vpc.ts,
 * components/responder-access.ts) and the responder (which launches workstations and passes their role).
 */
import { NAME_PREFIX } from "./names";

/** Role (and instance profile) of forensic workstations: Session Manager only. */
export const FORENSIC_WORKSTATION_ROLE_NAME = `${NAME_PREFIX}-forensic-workstation`;

/**
 * Interface endpoints every forensic VPC has (service suffixes of com.amazonaws.<region>.<service>):
 * Session Manager (ssm, ssmmessages, ec2messages), EC2 (attach evidence volumes), KMS (encrypted
 * volumes), CloudWatch Logs (session and agent logs), STS (credentials for the SDK), and Image Builder
 * (the forensic AMI is built inside this VPC). S3 is reached through a gateway endpoint.
 */
export const FORENSIC_INTERFACE_ENDPOINT_SERVICES = [
  "ec2",
  "ec2messages",
  "imagebuilder",
  "kms",
  "logs",
  "ssm",
  "ssmmessages",
  "sts",
] as const;

/** Endpoints without which Session Manager cannot work (validation refuses a list missing one). */
export const SESSION_MANAGER_ENDPOINT_SERVICES = ["ec2messages", "ssm", "ssmmessages"] as const;

/** Gateway endpoint services of the forensic VPC. */
export const FORENSIC_GATEWAY_ENDPOINT_SERVICES = ["s3"] as const;
