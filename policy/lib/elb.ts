/** Load balancer resource types (v7 tokens, including the aws:alb aliases). */
export const ELB = {
  loadBalancers: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
  classic: "aws:elb/loadBalancer:LoadBalancer",
  listeners: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
  classicPolicy: "aws:elb/loadBalancerPolicy:LoadBalancerPolicy",
} as const;
