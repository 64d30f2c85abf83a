// Settings: the ACL token this browser sends (kept in localStorage only), and what the agent is.
import { useState } from 'preact/hooks';
import { getToken, setToken, useLive } from '../api';
import { PageHeader, toast } from '../components';

interface AgentSelf {
  Config: { Datacenter: string; NodeName: string; Version: string; Server: boolean };
}

export function SettingsPage() {
  const [value, set] = useState(getToken());
  const [shown, setShown] = useState(false);
  const self = useLive<AgentSelf>('/v1/agent/self', 60_000);
  const cfg = self.data?.Config;
  return (
    <>
      <PageHeader title="Settings" />
      <section class="card narrow">
        <h2>ACL token</h2>
        <p class="muted">
          Sent as <code>X-Consul-Token</code> with every request from this browser. It is stored in this browser only
          (localStorage) and never shown to anyone else.
        </p>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            setToken(value.trim());
            toast(value.trim() ? 'Token saved' : 'Token cleared');
          }}
        >
          <input
            class="grow"
            type={(shown ? 'text' : 'password') as 'text'}
            value={value}
            placeholder="No token: the agent's default token applies"
            aria-label="ACL token"
            autocomplete="off"
            onInput={(e) => set((e.target as HTMLInputElement).value)}
          />
          <button type="button" class="btn" onClick={() => setShown(!shown)}>{shown ? 'Hide' : 'Show'}</button>
          <button type="submit" class="btn btn-primary">Save</button>
          <button
            type="button"
            class="btn"
            onClick={() => {
              set('');
              setToken('');
              toast('Token cleared');
            }}
          >
            Clear
          </button>
        </form>
      </section>
      {cfg && (
        <section class="card narrow">
          <h2>This agent</h2>
          <dl class="kv-list">
            <div><dt>Node</dt><dd>{cfg.NodeName}</dd></div>
            <div><dt>Datacenter</dt><dd>{cfg.Datacenter}</dd></div>
            <div><dt>Role</dt><dd>{cfg.Server ? 'server' : 'client'}</dd></div>
            <div><dt>Version</dt><dd>{cfg.Version}</dd></div>
          </dl>
        </section>
      )}
    </>
  );
}
