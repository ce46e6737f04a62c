// Scenario 9: the pod network with the default VXLAN backend, dual stack (IPv4 and IPv6
// cluster CIDRs): traffic between pods of three hosts, NAT to the outside, and the faults
// of pod-network-scenarios.ts.

import { podNetworkScenarios } from '../pod-network-scenarios.js';

podNetworkScenarios({ scenario: '9 pod network (vxlan, dual stack)', backend: 'vxlan', dualStack: true });
