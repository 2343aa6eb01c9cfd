#!/usr/bin/env bash
# The Ansible checks CI runs: syntax, lint, a check-mode converge on this machine, rendered env files
# and units, and a real run of volume.yml against a loop device (twice: the second changes nothing).
# Needs the release built (mvn package) for the converge. Exit status non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(cd .. && pwd)"
work="$PWD/tests/work"
rm -rf "$work"; mkdir -p "$work"
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1 ANSIBLE_VAULT_PASSWORD_FILE="$PWD/inventories/example/vault-password.example"
say() { echo "[ansible-check] $*"; }

say "syntax-check"
for playbook in playbooks/*.yml; do
  ansible-playbook --syntax-check "$playbook" >/dev/null
done

say "ansible-lint (production profile)"
ansible-lint -p --nocolor 2>&1 | grep -v 'Ignored exception' | tail -3
ansible-lint -p --nocolor >/dev/null 2>&1

say "rendering env files and units"
ansible-playbook -i localhost, tests/render-test.yml -e render_dir="$work/render" >/dev/null
# every variable of DESIGN.md's configuration table is in every worker's env file
design_vars="REDIS_URL DATABASE_URL DATABASE_USER DATABASE_PASSWORD S3_ENDPOINT S3_ACCESS_KEY S3_SECRET_KEY S3_REGION S3_BUCKET
S3_ARCHIVE_PREFIX S3_PROCESSED_PREFIX SCRATCH_ROOT MODELS_ROOT STAGING_DIR NODE_NAME HTTP_PORT MAX_ATTEMPTS TRANSFER_SOURCE TRANSCRIBER"
for env in "$work"/render/etc/*.env; do
  [ "$(stat -c %a "$env")" = "600" ] || { echo "$env is not mode 0600" >&2; exit 1; }
  for var in $design_vars; do
    grep -q "^$var=" "$env" || { echo "$env lacks $var" >&2; exit 1; }
  done
done
grep -q '^DATABASE_PASSWORD=secret-db$' "$work/render/etc/gpu-worker.env"
grep -q '^TRANSFER_SSH_KEY=' "$work/render/etc/transfer-worker.env"
grep -q '^UNPACK_MAX_BYTES=' "$work/render/etc/unpack-worker.env"
grep -q '^GPU_DEVICES=' "$work/render/etc/gpu-worker.env"
grep -q "^LABELER=none$" "$work/render/etc/gpu-worker.env"
grep -q "^POLICIES_DIR=" "$work/render/etc/gpu-worker.env"
if command -v systemd-analyze >/dev/null; then
  mkdir -p "$work/render/opt"; ln -sfn "$root" "$work/render/opt/current"
  out=$(systemd-analyze verify "$work"/render/units/*.service 2>&1 || true)
  if echo "$out" | grep -v -E "Failed to (create|connect|initialize)|System has not been booted|No such file or directory.*(bus|socket)|^$|Cannot determine|Attempted to remove disk file system|Assignment outside of section|Unit is bound to inactive unit|is not a mount point|Neither a valid" | grep -q .; then
    echo "$out" >&2; echo "systemd-analyze verify found problems" >&2; exit 1
  fi
  say "systemd-analyze verify: units are valid"
  # least privilege: each unit's exposure, as systemd rates it, is at most 4.0 (0 safest, 10 unsafe)
  for unit in "$work"/render/units/*.service; do
    score=$(systemd-analyze security --offline=true "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    [ -n "$score" ] || { echo "systemd-analyze security could not rate $unit" >&2; exit 1; }
    awk -v s="$score" 'BEGIN { exit !(s <= 4.0) }' || { echo "$(basename "$unit") is rated $score, above 4.0" >&2; exit 1; }
    say "systemd-analyze security: $(basename "$unit") $score"
  done
else
  say "systemd-analyze not present: units not verified"
fi

say "check-mode converge of site.yml on this machine"
tarball_and_sum=$("$root/bin/package-release")
export PIPELINE_RELEASE_TARBALL="$(echo "$tarball_and_sum" | sed -n 1p)"
export PIPELINE_RELEASE_SHA256="$(echo "$tarball_and_sum" | sed -n 2p)"
export PIPELINE_RELEASE_VERSION="$(basename "$PIPELINE_RELEASE_TARBALL" .tar.gz | sed 's/^audio-pipeline-//')"
ansible-playbook -i inventories/test/hosts.yml playbooks/site.yml --check --diff > "$work/converge.log" 2>&1 || {
  tail -40 "$work/converge.log" >&2; exit 1; }
tail -3 "$work/converge.log"
# --check --diff shows what would change, never a secret (the test inventory's password and key)
if grep -n -E "test-password|test-secret" "$work/converge.log" >&2; then
  echo "the check-mode converge printed a secret" >&2; exit 1
fi
say "check-mode converge with --diff printed no secret"

say "volume.yml against a loop device, twice"
image="$work/scratch.img"
if truncate -s 64M "$image" && loop=$(losetup --find --show "$image" 2>/dev/null); then
  trap 'umount "$work/data" 2>/dev/null || true; losetup -d "$loop" 2>/dev/null || true' EXIT
  run_volume() {
    ansible-playbook -i localhost, tests/volume-test.yml -e scratch_device="$loop" -e scratch_mount="$work/data" \
      -e scratch_fstab="$work/fstab" 2>&1 | tee "$work/volume-$1.log" | grep -E '^localhost' || true
  }
  touch "$work/fstab"
  run_volume 1 | grep -q 'failed=0' || { cat "$work/volume-1.log" >&2; exit 1; }
  echo "written after the first run" > "$work/data/scratch/keep-me"
  second=$(run_volume 2)
  echo "second run: $second"
  echo "$second" | grep -q 'changed=0 .*failed=0' || { echo "volume.yml is not idempotent" >&2; cat "$work/volume-2.log" >&2; exit 1; }
  # a reboot: the volume is mounted again from fstab by UUID, never formatted again
  umount "$work/data"
  third=$(run_volume 3)
  echo "after unmounting: $third"
  echo "$third" | grep -q 'failed=0' || { cat "$work/volume-3.log" >&2; exit 1; }
  grep -q "TASK \[Create the filesystem" "$work/volume-3.log" && grep -A2 "TASK \[Create the filesystem" "$work/volume-3.log" | grep -q changed && {
    echo "the filesystem was created again" >&2; exit 1; }
  grep -q "written after the first run" "$work/data/scratch/keep-me" || { echo "data lost on the scratch volume" >&2; exit 1; }
  grep -q "UUID=" "$work/fstab"
  # a device holding another filesystem is refused, not formatted
  other="$work/other.img"; truncate -s 16M "$other"; mkfs.ext2 -q "$other"
  other_loop=$(losetup --find --show "$other")
  refused=$(ansible-playbook -i localhost, tests/volume-test.yml -e scratch_device="$other_loop" -e scratch_mount="$work/other" \
    -e scratch_fstab="$work/fstab" 2>&1 || true)
  losetup -d "$other_loop"
  echo "$refused" | grep -q "holds a ext2 filesystem, not ext4: not formatting it" || { echo "$refused" >&2; echo "a foreign filesystem was not refused" >&2; exit 1; }
  [ "$(blkid -p -o value -s TYPE "$other")" = "ext2" ] || { echo "the foreign filesystem was changed" >&2; exit 1; }
  say "volume.yml: formatted once, mounted by UUID through fstab, second run changed=0, data kept across a remount"
else
  say "SKIPPED the loop-device test: this machine cannot create loop devices (losetup failed)"
fi
say "all Ansible checks passed"
