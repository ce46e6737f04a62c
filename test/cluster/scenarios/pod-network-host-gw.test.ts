// Scenario 10: the pod network with the host-gw backend (a route per node via its node IP;
// the harness hosts share one L2 segment): the same traffic and faults as scenario 9.

import { podNetworkScenarios } from '../pod-network-scenarios.js';

podNetworkScenarios({ scenario: '10 pod network (host-gw)', backend: 'host-gw', dualStack: false });
