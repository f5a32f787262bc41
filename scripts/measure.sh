# Sourced by the bench scripts. `measure CMD…` prints "wall_seconds peak_rss_kb" of the best
# (fastest) of $runs runs of a command, its output discarded; uses $dir for a scratch file.
# When $fresh names a file, it is removed (untimed) before each run: a report written over the
# one of the run before waits while the kernel is still writing that one out (up to 0.2 s for
# 70 MB), which a report written once a day never meets.
measure() {
  local best="" rss="" out="$dir/time.txt"
  for _ in $(seq "$runs"); do
    if [ -n "${fresh:-}" ]; then rm -f "$fresh"; sync; fi
    /usr/bin/time -v "$@" >/dev/null 2>"$out"
    local w r
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$out")
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
    if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$w; rss=$r; fi
  done
  echo "$best $rss"
}
