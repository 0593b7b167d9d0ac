# Shared by tools/db/*: sourced, not run.

# A TCP port on 127.0.0.1 that nothing listens on now (random in 20000..60999).
free_port() {
  local port tries=0
  while ((tries++ < 200)); do
    port=$((20000 + RANDOM % 41000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "tools/db: no free port found" >&2
  return 1
}

# Runs a command as the database's service user when we are root (servers refuse to run
# as root), as ourselves otherwise.
as_user() {
  local user=$1
  shift
  if ((EUID == 0)); then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# Gives a directory to the service user when we are root.
give_dir() {
  local user=$1 dir=$2
  if ((EUID == 0)); then chown -R "$user" "$dir"; fi
}
