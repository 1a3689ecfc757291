#!/usr/bin/env bash
# Build benchmarks for BENCHMARKS.md: full build, one report changed, nothing changed — at each
# corpus size — and Hugo on equivalent Markdown pages (same count, similar size, one table each)
# in the same run. Run by hand (minutes at 100,000), never in CI:
#
#   scripts/bench-build.sh 1000 10000 100000
#
# Needs a release build (swift build -c release) and Debian's hugo and time packages.
# GONGKAI=path/to/gongkai picks the binary; Hugo runs up to HUGO_MAX pages (default 10000: at
# 100,000 pages it would need about 40 GB on this machine's extrapolation, more than it has).
# OUT_DIR=/dev/shm puts the built sites (gongkai's and Hugo's) on another file system: this
# machine's /tmp is ext4 without a journal, where creating files right after deleting tens of
# thousands costs seconds of kernel time (ext4 scans past recently deleted inodes), so the script
# prints CPU time (user + system) beside wall time, and the figures can be taken on tmpfs too.
# Each line ends with gongkai's summary, which says how many files were written.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000}")
[ $# -gt 0 ] && sizes=("$@")
bin=${GONGKAI:-.build/release/gongkai}
hugo_max=${HUGO_MAX:-10000}
[ -x "$bin" ] || swift build -c release --product gongkai >/dev/null
command -v hugo >/dev/null || { echo "hugo is missing: apt-get install hugo" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 1; }
work=${BENCH_DIR:-/tmp/gongkai-bench}
outdir=${OUT_DIR:-$work}
mkdir -p "$work" "$outdir"

measure() {  # measure LABEL COMMAND... → "LABEL: S s (C s CPU), M MB peak" plus the command's last line
  local label=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$work/time" "$@" > "$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  read -r secs kb user sys < "$work/time"
  printf '%-28s %7.2f s (%6.2f s CPU) %6d MB peak  | %s\n' "$label" "$secs" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" $((kb / 1024)) "$(tail -n 1 "$work/out")"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -r); $($bin --help >/dev/null 2>&1 && echo gongkai) $(git rev-parse --short HEAD 2>/dev/null); sites in $outdir ($(df -T "$outdir" | awk 'NR==2{print $2}'))"
for n in "${sizes[@]}"; do
  corpus="$work/corpus-$n" out="$outdir/site-$n"
  if [ ! -d "$corpus" ]; then "$bin" synth --count "$n" --out "$corpus" --seed 1 >/dev/null; fi
  bytes=$(du -sb "$corpus" | cut -f1)
  echo "== $n reports ($((bytes / 1048576)) MB of report text)"
  # Three full builds into an empty folder (the first after a pause is often slower): the
  # pages per second are those of the median.
  fulls=()
  for k in 1 2 3; do
    rm -rf "$out"
    measure "full build ($k)" "$bin" build --corpus "$corpus" --output "$out" --quiet
    fulls+=("$(cut -d' ' -f1 "$work/time")")
  done
  pages=$(find "$out" -name '*.html' | wc -l)
  secs=$(printf '%s\n' "${fulls[@]}" | sort -n | awk 'NR==2')
  echo "                             $pages HTML pages, $(awk -v p="$pages" -v s="$secs" 'BEGIN{printf "%.0f", p/s}') pages/s (median full build $secs s)"
  # One report changed: a figure (a 0 cell becomes 7) in the first tab-separated report file.
  first=$(grep -rlP '\t0\t' "$corpus" --include='*.txt' | sort | awk 'NR==1')
  cp -p "$first" "$work/saved.txt"
  for k in 1 2 3; do
    sed -i '0,/\t0\t/s//\t7\t/' "$first"
    measure "one report changed ($k)" "$bin" build --corpus "$corpus" --output "$out" --quiet
    cp "$work/saved.txt" "$first"
    measure "restored ($k)" "$bin" build --corpus "$corpus" --output "$out" --quiet
  done
  for k in 1 2 3; do
    measure "nothing changed ($k)" "$bin" build --corpus "$corpus" --output "$out" --quiet
  done

  # Hugo on the same number of Markdown pages, similar size, one table each.
  if [ "$n" -gt "$hugo_max" ]; then echo "hugo: skipped above HUGO_MAX=$hugo_max pages"; continue; fi
  site="$work/hugo-$n"
  if [ ! -d "$site" ]; then
    mkdir -p "$site/content/reports" "$site/layouts/_default"
    printf 'baseURL = "/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n' > "$site/config.toml"
    printf '<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>{{ .Content }}</body></html>\n' > "$site/layouts/_default/single.html"
    printf '<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>{{ range .Pages }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</body></html>\n' > "$site/layouts/_default/list.html"
    python3 - "$site/content/reports" "$n" "$bytes" <<'PY'
import sys, os
d, n, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = max(2000, total // n)
para = "本机关依法推进政府信息公开工作，按要求发布信息并回应关切。" * 8 + "\n\n"
table = "| 项目 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n|---|---|---|---|---|---|---|---|\n" + "".join(f"| 第{i}行 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n" for i in range(25))
for i in range(n):
    body = table + "\n" + para * max(1, (size - len(table.encode())) // len(para.encode()))
    with open(os.path.join(d, f"r{i:06d}.md"), "w") as f:
        f.write(f"---\ntitle: \"报告 {i}\"\n---\n\n{body}")
PY
  fi
  rm -rf "$outdir/hugo-public-$n"
  measure "hugo (same page count)" hugo --source "$site" --destination "$outdir/hugo-public-$n" --quiet
  rm -rf "$outdir/hugo-public-$n"
done
