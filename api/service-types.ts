// Service networking objects: core v1 Service and Endpoints, discovery.k8s.io/v1
// EndpointSlice. Kept apart from types.ts (which re-exports them) so that file stays the
// catalogue of workload and cluster objects.

import type { KubeObject, ObjectReference } from './types.js';

export interface ServicePort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Application protocol hint (e.g. 'http'); carried, not interpreted. */
  appProtocol?: string;
  port: number;
  /** A port number or the name of a container port of the selected pods. */
  targetPort?: number | string;
  nodePort?: number;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';

export interface Service extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    type?: ServiceType;
    /** An address of --service-cluster-ip-range, or 'None' (headless). */
    clusterIP?: string;
    clusterIPs?: string[];
    ipFamilies?: ('IPv4' | 'IPv6')[];
    ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
    externalName?: string;
    externalIPs?: string[];
    sessionAffinity?: 'ClientIP' | 'None';
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    externalTrafficPolicy?: TrafficPolicy;
    internalTrafficPolicy?: TrafficPolicy;
    healthCheckNodePort?: number;
    publishNotReadyAddresses?: boolean;
    allocateLoadBalancerNodePorts?: boolean;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: ObjectReference;
}

export interface Endpoints extends KubeObject {
  subsets?: {
    addresses?: EndpointAddress[];
    notReadyAddresses?: EndpointAddress[];
    ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[];
  }[];
}

// ---------------------------------------------------------------- discovery.k8s.io/v1

/** The label that files an EndpointSlice under its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface EndpointConditions {
  /** Serving and not terminating (what a proxy routes new connections to). */
  ready?: boolean;
  /** Passes readiness, whether or not it is terminating. */
  serving?: boolean;
  terminating?: boolean;
}

export interface Endpoint {
  addresses: string[];
  conditions?: EndpointConditions;
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: ObjectReference;
}

export interface EndpointPort {
  name?: string;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  port?: number;
  appProtocol?: string;
}

/** At most 100 endpoints per slice; label kubernetes.io/service-name names its Service. */
export interface EndpointSlice extends KubeObject {
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  endpoints: Endpoint[];
  ports?: EndpointPort[];
}
