/**
 * EC2's API throttling buckets, per account, Region and API, as documented in "Request throttling for
 * the Amazon EC2 API" (read 2026-12-02). Every API has its own request bucket sized by its category;
 * RunInstances, StartInstances, StopInstances and TerminateInstances also draw on a resource bucket, one
 * token per instance. AWS raises these limits per account on request: the figures are the defaults.
 */
import type { BucketSize } from "./token-bucket";

export const EC2_RATE_SOURCE = "https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html";
export const EC2_RATE_READ = "2026-12-02";

const size = (capacity: number, refillPerSecond: number): BucketSize => ({ capacity, refillPerSecond });

/** Describe*, List*, Search*, Get* not in another category. */
export const NON_MUTATING = size(100, 20);
/** These non-mutating APIs, called with neither a filter nor pagination, use a smaller bucket. */
export const UNFILTERED_UNPAGINATED = size(50, 10);
export const UNFILTERED_UNPAGINATED_ACTIONS: ReadonlySet<string> = new Set([
  "DescribeInstances",
  "DescribeInstanceStatus",
  "DescribeNetworkInterfaces",
  "DescribeSecurityGroups",
  "DescribeSnapshots",
  "DescribeSpotInstanceRequests",
  "DescribeVolumes",
]);
/** Every other API: mutating, and "resource-intensive" ones (same size, their own buckets). */
export const MUTATING = size(50, 5);

/** APIs with their own sizes ("uncategorized actions"). */
export const UNCATEGORIZED: Readonly<Record<string, BucketSize>> = {
  AcceptVpcEndpointConnections: size(10, 1),
  AdvertiseByoipCidr: size(1, 0.1),
  AssignIpv6Addresses: size(100, 5),
  AssignPrivateIpAddresses: size(100, 5),
  AssignPrivateNatGatewayAddress: size(10, 1),
  AssociateCapacityReservationBillingOwner: size(1, 0.5),
  AssociateEnclaveCertificateIamRole: size(10, 1),
  AssociateIamInstanceProfile: size(100, 5),
  AssociateNatGatewayAddress: size(10, 1),
  AttachVerifiedAccessTrustProvider: size(10, 2),
  AuthorizeClientVpnIngress: size(5, 2),
  CancelDeclarativePoliciesReport: size(1, 1),
  CopyImage: size(100, 1),
  CreateClientVpnRoute: size(5, 2),
  CreateCoipCidr: size(5, 1),
  CreateCoipPool: size(5, 1),
  CreateDefaultSubnet: size(1, 1),
  CreateDefaultVpc: size(1, 1),
  CreateLaunchTemplateVersion: size(100, 5),
  CreateNatGateway: size(10, 1),
  CreateNetworkInterface: size(100, 5),
  CreateRestoreImageTask: size(50, 0.1),
  CreateSnapshot: size(100, 5),
  CreateSnapshots: size(100, 5),
  CreateSpotDatafeedSubscription: size(50, 3),
  CreateStoreImageTask: size(50, 0.1),
  CreateSubnetCidrReservation: size(5, 1),
  CreateTags: size(100, 10),
  CreateVerifiedAccessEndpoint: size(20, 4),
  CreateVerifiedAccessGroup: size(10, 2),
  CreateVerifiedAccessInstance: size(10, 2),
  CreateVerifiedAccessTrustProvider: size(10, 2),
  CreateVolume: size(100, 5),
  CreateVpcEndpoint: size(4, 0.3),
  CreateVpcEndpointServiceConfiguration: size(10, 1),
  DeleteClientVpnRoute: size(5, 2),
  DeleteCoipCidr: size(5, 1),
  DeleteCoipPool: size(5, 1),
  DeleteCoipPoolPermission: size(5, 1),
  DeleteNatGateway: size(10, 1),
  DeleteNetworkInterface: size(100, 5),
  DeleteSnapshot: size(100, 5),
  DeleteSpotDatafeedSubscription: size(50, 3),
  DeleteSubnetCidrReservation: size(5, 1),
  DeleteQueuedReservedInstances: size(5, 5),
  DeleteTags: size(100, 10),
  DeleteVerifiedAccessEndpoint: size(20, 4),
  DeleteVerifiedAccessGroup: size(10, 2),
  DeleteVerifiedAccessInstance: size(10, 2),
  DeleteVerifiedAccessTrustProvider: size(10, 2),
  DeleteVolume: size(100, 5),
  DeleteVpcEndpoints: size(4, 0.3),
  DeleteVpcEndpointServiceConfigurations: size(10, 1),
  DeprovisionByoipCidr: size(1, 0.1),
  DeregisterImage: size(100, 5),
  DescribeAggregateIdFormat: size(10, 10),
  DescribeByoipCidrs: size(1, 0.5),
  DescribeCapacityBlockExtensionOfferings: size(10, 0.15),
  DescribeCapacityBlockOfferings: size(10, 0.15),
  DescribeDeclarativePoliciesReports: size(5, 5),
  DescribeHostReservations: size(5, 2),
  DescribeHostReservationOfferings: size(5, 2),
  DescribeIdentityIdFormat: size(10, 10),
  DescribeIdFormat: size(10, 10),
  DescribeInstanceTopology: size(1, 1),
  DescribeMovingAddresses: size(1, 1),
  DescribePrincipalIdFormat: size(10, 10),
  DescribeReservedInstancesOfferings: size(10, 10),
  DescribeSecurityGroupReferences: size(20, 5),
  DescribeSpotDatafeedSubscription: size(100, 13),
  DescribeSpotFleetInstances: size(100, 5),
  DescribeSpotFleetRequestHistory: size(100, 5),
  DescribeSpotFleetRequests: size(50, 3),
  DescribeStaleSecurityGroups: size(20, 5),
  DescribeStoreImageTasks: size(50, 0.5),
  DescribeVerifiedAccessInstanceLoggingConfigurations: size(10, 2),
  DetachVerifiedAccessTrustProvider: size(10, 2),
  DisableFastLaunch: size(5, 2),
  DisableImageBlockPublicAccess: size(1, 0.1),
  DisableSnapshotBlockPublicAccess: size(1, 0.1),
  DisassociateCapacityReservationBillingOwner: size(1, 0.5),
  DisassociateEnclaveCertificateIamRole: size(10, 1),
  DisassociateIamInstanceProfile: size(100, 5),
  DisassociateNatGatewayAddress: size(10, 1),
  EnableFastLaunch: size(5, 2),
  EnableImageBlockPublicAccess: size(1, 0.1),
  EnableSnapshotBlockPublicAccess: size(1, 0.1),
  GetAssociatedEnclaveCertificateIamRoles: size(10, 1),
  GetDeclarativePoliciesReportSummary: size(5, 5),
  GetHostReservationPurchasePreview: size(5, 2),
  ModifyImageAttribute: size(100, 5),
  ModifyInstanceMetadataDefaults: size(2, 2),
  ModifyInstanceMetadataOptions: size(100, 5),
  ModifyLaunchTemplate: size(100, 5),
  ModifyNetworkInterfaceAttribute: size(100, 5),
  ModifySnapshotAttribute: size(100, 5),
  ModifyVerifiedAccessEndpoint: size(20, 4),
  ModifyVerifiedAccessEndpointPolicy: size(20, 4),
  ModifyVerifiedAccessGroup: size(10, 2),
  ModifyVerifiedAccessGroupPolicy: size(20, 4),
  ModifyVerifiedAccessInstance: size(10, 2),
  ModifyVerifiedAccessInstanceLoggingConfiguration: size(10, 2),
  ModifyVerifiedAccessTrustProvider: size(10, 2),
  ModifyVpcEndpoint: size(4, 0.3),
  ModifyVpcEndpointServiceConfiguration: size(10, 1),
  MoveAddressToVpc: size(1, 1),
  ProvisionByoipCidr: size(1, 0.1),
  PurchaseCapacityBlock: size(10, 0.15),
  PurchaseCapacityBlockExtension: size(10, 0.15),
  PurchaseHostReservation: size(5, 2),
  PurchaseReservedInstancesOffering: size(5, 5),
  RejectVpcEndpointConnections: size(10, 1),
  RestoreAddressToClassic: size(1, 1),
  RevokeClientVpnIngress: size(5, 2),
  RunInstances: size(5, 2),
  StartDeclarativePoliciesReport: size(1, 1),
  StartInstances: size(5, 2),
  TerminateInstances: size(100, 5),
  UnassignPrivateIpAddresses: size(100, 5),
  UnassignPrivateNatGatewayAddress: size(10, 1),
  WithdrawByoipCidr: size(1, 0.1),
};

/** Resource buckets: one token per instance the call acts on. */
export const RESOURCE_BUCKETS: Readonly<Record<string, BucketSize>> = {
  RunInstances: size(1000, 2),
  TerminateInstances: size(1000, 20),
  StartInstances: size(1000, 2),
  StopInstances: size(1000, 20),
};

const NON_MUTATING_PREFIX = /^(Describe|List|Search|Get)/;

/**
 * Whether a request names a filter (`Filter.N`) or paginates (`MaxResults`, `NextToken`), from its Query
 * parameters as EC2 reads them (the client-side limiter reads the same from the SDK input).
 */
export function wireFilteredOrPaginated(params: Record<string, string>): boolean {
  return (
    params.MaxResults !== undefined ||
    params.NextToken !== undefined ||
    Object.keys(params).some((k) => k.startsWith("Filter."))
  );
}

/**
 * The bucket a call draws on, by name: the API's own, except that the few APIs with a smaller bucket for
 * unfiltered, unpaginated calls have two (`<API>/unfiltered` is the small one). The strict layer and the
 * client-side limiter name buckets alike, so both keep the same buckets apart.
 */
export function requestBucketName(operation: string, filteredOrPaginated: boolean): string {
  const small =
    !UNCATEGORIZED[operation] && UNFILTERED_UNPAGINATED_ACTIONS.has(operation) && !filteredOrPaginated;
  return small ? `${operation}/unfiltered` : operation;
}

/**
 * The request bucket of one call: the API's own size, else its category's. `filteredOrPaginated` says
 * whether the call named a filter (`Filter.N`) or paginated (`MaxResults`, `NextToken`).
 */
export function requestBucketSize(operation: string, filteredOrPaginated: boolean): BucketSize {
  const own = UNCATEGORIZED[operation];
  if (own) return own;
  if (UNFILTERED_UNPAGINATED_ACTIONS.has(operation) && !filteredOrPaginated) return UNFILTERED_UNPAGINATED;
  return NON_MUTATING_PREFIX.test(operation) ? NON_MUTATING : MUTATING;
}
