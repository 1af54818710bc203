#!/usr/bin/env bash
# `make run`: broker, worker, simulated history at full speed, then live traffic; prints alerts.
# Ctrl-C stops the worker, the traffic and (if this script started it) the broker.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin=.venv/bin
mkdir -p .data/demo
log=.data/demo

started_broker=0
if ! infra/kafka/kafka.sh status >/dev/null 2>&1; then
  infra/kafka/kafka.sh up
  started_broker=1
fi

# Each run gets its own app id and topics: its simulated history starts two hours back, which a
# worker that already saw a previous run's live traffic would rightly reject as late.
seed=$(date +%s)
export EXTRACTWATCH_APP_ID="extractwatch-demo-$seed"
export EXTRACTWATCH_INPUT_TOPIC="demo-$seed-api-requests"
export EXTRACTWATCH_ALERTS_TOPIC="demo-$seed-extraction-alerts"
export EXTRACTWATCH_LABELS_TOPIC="demo-$seed-analyst-labels"
$bin/extractwatch topics

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo >&2; echo "stopping..." >&2
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $started_broker == 1 ]]; then infra/kafka/kafka.sh down; fi
}
trap cleanup INT TERM EXIT

$bin/extractwatch worker > "$log/worker.log" 2>&1 &
pids+=($!)
echo "worker started (log: $log/worker.log); printing alerts as they fire..." >&2

# The run's alerts topic is new, so from its beginning means this run's alerts. Started once the
# worker is up: a follower assigned to a topic created a moment before printed nothing (seen here).
sleep 5
$bin/extractwatch alerts --follow --from-beginning --format text &
pids+=($!)

if [[ "${PAGERDUTY:-0}" == 1 ]]; then
  # A local server with PagerDuty's Events API v2 semantics, and the bridge delivering to it. The
  # server prints each incident as it opens and resolves; a demo key, as a real one is 32 characters.
  pd_port="${PAGERDUTY_PORT:-8088}"
  $bin/extractwatch pagerduty-sim --port "$pd_port" &
  pids+=($!)
  EXTRACTWATCH_PAGERDUTY_ROUTING_KEY=demo0000demo0000demo0000demo0000 \
    $bin/extractwatch bridge pagerduty --url "http://127.0.0.1:$pd_port" --from-beginning \
    > "$log/bridge.log" 2>&1 &
  pids+=($!)
  echo "PagerDuty bridge started (log: $log/bridge.log); incidents: curl http://127.0.0.1:$pd_port/incidents" >&2
fi

$bin/extractwatch simulate --seed "$seed" --start=-2h --duration 26h --realtime \
  --topic "$EXTRACTWATCH_INPUT_TOPIC" --labels "$log/labels.csv" > "$log/simulate.log" 2>&1 &
pids+=($!)
echo "simulated traffic: seed $seed into $EXTRACTWATCH_INPUT_TOPIC, ground truth in $log/labels.csv" >&2
echo "alerts also readable with: EXTRACTWATCH_ALERTS_TOPIC=$EXTRACTWATCH_ALERTS_TOPIC $bin/extractwatch alerts --from-beginning" >&2

status=0
wait "${pids[0]}" || status=$?
echo "the worker exited (status $status); last lines of $log/worker.log:" >&2
tail -n 15 "$log/worker.log" >&2
exit "$status"
