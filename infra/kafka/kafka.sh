#!/usr/bin/env bash
# Runs Apache Kafka (single-node KRaft) from its Maven Central jars. No Docker.
#   infra/kafka/kafka.sh up     fetch jars if missing, format storage if needed, start, wait until ready
#   infra/kafka/kafka.sh down   stop the broker by its recorded pid
#   infra/kafka/kafka.sh status
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${KAFKA_CACHE:-$root/.cache/kafka}"
data="${KAFKA_DATA:-$root/.data/kafka}"
libs="$cache/libs"
pidfile="$data/broker.pid"
host=127.0.0.1
port=9092
wait_s="${KAFKA_WAIT_S:-90}"

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

fetch() {
  if [[ -f "$libs/.complete" ]]; then return; fi
  command -v mvn >/dev/null || { echo "Maven (mvn) is required to fetch Kafka's jars: apt-get install maven" >&2; exit 1; }
  echo "fetching Apache Kafka jars from Maven Central into $libs ..." >&2
  rm -rf "$libs"
  mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime
  touch "$libs/.complete"
}

config() {
  mkdir -p "$data/log" "$data/logs"
  { cat "$here/server.properties"; echo "log.dirs=$data/log"; } > "$data/server.properties"
}

format() {
  if [[ -f "$data/log/meta.properties" ]]; then return; fi
  local id
  id="$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid)"
  java -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="$data/logs" -cp "$libs/*" \
    kafka.tools.StorageTool format --standalone -t "$id" -c "$data/server.properties" >/dev/null
}

up() {
  command -v java >/dev/null || { echo "Java 17 is required to run Kafka: apt-get install openjdk-17-jre-headless" >&2; exit 1; }
  if running && listening; then echo "kafka already running (pid $(cat "$pidfile"))" >&2; return; fi
  if listening; then echo "something else listens on $host:$port; stop it or use it" >&2; exit 1; fi
  fetch
  config
  format
  nohup java -Xms512m -Xmx1g -Dlog4j2.configurationFile="$here/log4j2.yaml" -Dkafka.logs.dir="$data/logs" \
    -cp "$libs/*" kafka.Kafka "$data/server.properties" > "$data/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for ((i = 0; i < wait_s * 4; i++)); do
    if listening; then echo "kafka up on $host:$port (pid $(cat "$pidfile"))" >&2; return; fi
    if ! running; then break; fi
    sleep 0.25
  done
  echo "kafka did not start within ${wait_s}s; last log lines:" >&2
  tail -n 30 "$data/logs/server.log" "$data/logs/stdout.log" >&2 2>/dev/null || true
  exit 1
}

down() {
  if running; then
    local pid; pid="$(cat "$pidfile")"
    kill "$pid"
    for ((i = 0; i < 120; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "kafka stopped" >&2
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) if running && listening; then echo "running (pid $(cat "$pidfile"))"; else echo "stopped"; exit 1; fi ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
