// Built-in default layers, written in config-file form like Consul's DefaultSource and DevSource.
import type { Decoded } from './schema.js';

/** Consul's defaults (agent/config/default.go), for the keys Conclave reads. */
export function defaultLayer(): Decoded {
  return {
    acl: { enabled: false, token_ttl: '30s', policy_ttl: '30s', role_ttl: '30s' },
    autopilot: {
      cleanup_dead_servers: true, last_contact_threshold: '200ms', max_trailing_logs: 250, min_quorum: 0,
      server_stabilization_time: '10s',
    },
    bind_addr: '0.0.0.0',
    bootstrap: false,
    bootstrap_expect: 0,
    check_output_max_size: 4096,
    check_update_interval: '5m',
    // Anti-entropy full-sync base interval: Consul's non-user-configurable ae_interval (tests shorten it).
    ae_interval: '1m',
    client_addr: '127.0.0.1',
    datacenter: 'dc1',
    default_query_time: '300s',
    disable_coordinates: false,
    disable_host_node_id: true,
    disable_remote_exec: true,
    discard_check_output: false,
    discovery_max_stale: '0s',
    dns_config: {
      allow_stale: true, a_record_limit: 0, disable_compression: false, enable_truncate: false,
      max_stale: '87600h', node_ttl: '0s', only_passing: false, recursor_strategy: 'sequential',
      recursor_timeout: '2s', udp_answer_limit: 3, enable_additional_node_meta_txt: true,
    },
    domain: 'consul.',
    enable_debug: false,
    encrypt_verify_incoming: true,
    encrypt_verify_outgoing: true,
    gossip_lan: {
      gossip_nodes: 3, gossip_interval: '200ms', probe_interval: '1s', probe_timeout: '500ms',
      retransmit_mult: 4, suspicion_mult: 4,
    },
    gossip_wan: {
      gossip_nodes: 4, gossip_interval: '500ms', probe_interval: '5s', probe_timeout: '3s',
      retransmit_mult: 4, suspicion_mult: 6,
    },
    http_config: { use_cache: true },
    limits: {
      http_max_conns_per_client: 200, kv_max_value_size: 524288, txn_max_req_len: 524288,
    },
    log_level: 'INFO',
    log_json: false,
    max_query_time: '600s',
    performance: { leave_drain_time: '5s', raft_multiplier: 5, rpc_hold_timeout: '7s' },
    ports: { dns: 8600, http: 8500, https: -1, grpc: -1, serf_lan: 8301, serf_wan: 8302, server: 8300 },
    raft_protocol: 3,
    raft_snapshot_threshold: 16384,
    raft_snapshot_interval: '30s',
    raft_trailing_logs: 10240,
    reconnect_timeout: '72h',
    rejoin_after_leave: false,
    retry_interval: '30s',
    retry_max: 0,
    server: false,
    session_ttl_min: '10s',
    ui_config: {},
  };
}

/** What -dev adds (Consul's DevSource): an in-memory single-server cluster on loopback, tuned for speed. */
export function devLayer(): Decoded {
  const fastGossip = { gossip_interval: '100ms', probe_interval: '100ms', probe_timeout: '100ms', suspicion_mult: 3 };
  return {
    bind_addr: '127.0.0.1',
    bootstrap: true,
    disable_anonymous_signature: true,
    disable_keyring_file: true,
    enable_debug: true,
    gossip_lan: { ...fastGossip },
    gossip_wan: { ...fastGossip },
    log_level: 'DEBUG',
    performance: { raft_multiplier: 1 },
    ports: { grpc: 8502 },
    server: true,
    ui_config: { enabled: true },
  };
}
