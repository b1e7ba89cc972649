import { useEffect, useState } from "react";

// The browser asks its own origin for /api/...; nginx (in Compose) passes that on to the
// backend service, so the page never needs to know the backend's address.
export default function App() {
  const [health, setHealth] = useState("asking the backend…");

  useEffect(() => {
    fetch("/api/health")
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((body) => setHealth(`backend ok, database: ${body.db}`))
      .catch((err) => setHealth(`no backend (${err.message})`));
  }, []);

  return (
    <main>
      <h1>Taxi shop</h1>
      <p data-testid="health">{health}</p>
    </main>
  );
}
