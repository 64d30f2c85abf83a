# Full configuration options can be found at https://developer.hashicorp.com/consul/docs/agent/config
# (Conclave reads the same keys). This is the default /etc/consul.d/consul.hcl.

# datacenter
# Defaults to "dc1".
#datacenter = "my-dc-1"

# data_dir
# Raft and serf state. The directory must be writable by the consul user.
data_dir = "/opt/consul"

# client_addr
# The address for client interfaces (HTTP, DNS). Defaults to 127.0.0.1.
#client_addr = "0.0.0.0"

# ui
# Enables the built-in web UI on the HTTP port.
#ui_config {
#  enabled = true
#}

# server
# Whether this agent is a server. Defaults to false (client).
#server = true

# bind_addr
# The address for internal cluster communication. Defaults to 0.0.0.0 (advertising the one private
# IPv4 address of the host); go-sockaddr templates such as "{{ GetInterfaceIP \"eth0\" }}" work.
#bind_addr = "0.0.0.0"

# advertise_addr
#advertise_addr = "127.0.0.1"

# bootstrap_expect
# The number of servers to wait for before electing a leader.
#bootstrap_expect = 3

# retry_join
# Addresses or host names of servers to join at start (provider=... cloud auto-join is not supported).
#retry_join = ["10.0.0.10", "10.0.0.11", "10.0.0.12"]

# encrypt
# Gossip encryption key from `consul keygen`.
#encrypt = "..."
