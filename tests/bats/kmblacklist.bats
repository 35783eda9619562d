load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmblacklist: add and remove hotlist entries by hand, list them, publish
# signed versions (full or delta) and verify published files.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit
USAGE=(
"usage: kmblacklist [-jkt] [-c config] -a [-r reason] [card ...]"
"       kmblacklist [-jkt] [-c config] -d [card ...]"
"       kmblacklist [-jt] [-c config] -l"
"       kmblacklist [-fjt] [-c config] [-b base] [-o file] -p"
"       kmblacklist [-jt] [-c config] -v file"
)

versions() { sqlite3 km.db 'SELECT count(*) FROM hotlist_version'; }
created_of() { sqlite3 km.db "SELECT created_at FROM hotlist_version WHERE version = $1"; }

# in_state STATE [pesel]: a Resident Card taken to STATE by the km
# programs; prints its number, fails if it did not get there.
in_state() {
	local st=$1 n uid
	n=$(resident "${2:-44051401359}") || return 1
	uid=$(printf '04%012X' "$((10#${n:6:9}))")
	case $st in
	ordered) ;;
	active) kmcard-receive "$n" "$uid" && kmcard-activate "$n" ;;
	suspended) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-suspend "$n" ;;
	blocked) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-block -r lost "$n" ;;
	*) return 1 ;;
	esac >/dev/null 2>&1 || return 1
	[ "$(state_of "$n")" = "$st" ] || return 1
	echo "$n"
}

# cards N: N ordered cards of N holders, their numbers one a line.
cards() {
	local i
	for ((i = 1; i <= $1; i++)); do
		in_state ordered "$(p "$i")" || return 1
	done
}

# Warsaw local time of an ISO UTC time, as people see it.
local_time() { TZ=Europe/Warsaw date -d "$1" '+%Y-%m-%d %H:%M'; }

# usage_error: $stderr ends with the full usage.
usage_error() {
	local n=${#stderr_lines[@]} i
	[ "$n" -ge 5 ]
	for i in 0 1 2 3 4; do
		[ "${stderr_lines[n - 5 + i]}" = "${USAGE[i]}" ]
	done
}

# split FILE: data (every byte before the last line) and sig.der (the
# signature field of the last line, decoded).
split() {
	head -n -1 "$1" > data
	tail -n 1 "$1" | sed 's/^signature sha256 //' | base64 -d > sig.der
}

# ossl_verify FILE: the real openssl checks FILE's signature.
ossl_verify() {
	split "$1"
	openssl dgst -sha256 -verify hotlist.pub -signature sig.der data
}

# resign BODY OUT: signs BODY with the hotlist key as kmblacklist would.
resign() {
	openssl dgst -sha256 -sign hotlist.key -out body.sig "$1"
	{ cat "$1"; printf 'signature sha256 %s\n' "$(base64 -w0 body.sig)"; } > "$2"
}

# --- adding and removing -------------------------------------------------

@test "kmblacklist: -a adds cards (human output)" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmblacklist -a "$a" "$b"
	[ "$output" = "$(printf 'number      %s\nchange      added\n\nnumber      %s\nchange      added' "$a" "$b")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\t\n%s\tadmin\t' "$a" "$b")" ]
}

@test "kmblacklist: -a -t and -a -j" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmblacklist -a -t "$a"
	[ "$output" = "$(printf '%s\tadded' "$a")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmblacklist -a -j "$b"
	[ "$output" = "{\"number\":\"$b\",\"change\":\"added\"}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmblacklist: -a -r records the reason" {
	a=$(in_state active)
	run -0 --separate-stderr kmblacklist -a -t -r "card skimming report" "$a"
	[ "$output" = "$(printf '%s\tadded' "$a")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\tcard skimming report' "$a")" ]
	[ "$(state_of "$a")" = active ]
}

@test "kmblacklist: -a reads cards from stdin, blank lines and comments ignored" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	printf '# from the police\n\n%s\n  \n%s\n' "$a" "$b" > list
	run -0 --separate-stderr kmblacklist -a -j < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"change\":\"added\"}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"change\":\"added\"}" ]
	all_json
	[ -z "$stderr" ]
	[ "$(hotlist | cut -f1)" = "$(printf '%s\n%s' "$a" "$b")" ]
}

@test "kmblacklist: adding a listed card is a no-op" {
	a=$(in_state active "$(p 1)")
	kmblacklist -a -r first "$a" >/dev/null
	before=$(dump)
	run -0 --separate-stderr kmblacklist -a -t -r second "$a"
	[ "$output" = "$(printf '%s\tnone' "$a")" ]
	[ -z "$stderr" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: adding a card listed by its suspension keeps it listed after a resume" {
	s=$(in_state suspended)
	run -0 --separate-stderr kmblacklist -a -t "$s"
	[ "$output" = "$(printf '%s\tnone' "$s")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t' "$s")" ]
	kmcard-resume "$s" >/dev/null
	[ "$(hotlist)" = "$(printf '%s\tadmin\t' "$s")" ]
	run -0 --separate-stderr kmblacklist -d -t "$s"
	[ "$output" = "$(printf '%s\tremoved' "$s")" ]
	[ -z "$(hotlist)" ]
}

@test "kmblacklist: an admin listing a card its state lists is audited with its reason" {
	s=$(in_state suspended)
	n0=$(sqlite3 km.db "SELECT count(*) FROM audit WHERE subject = '$s' AND action LIKE 'hotlist.%'")
	run -0 --separate-stderr kmblacklist -a -t -r "inquiry 17/2026" "$s"
	[ "$output" = "$(printf '%s\tnone' "$s")" ]
	[ -z "$stderr" ]
	[ "$(sqlite3 km.db "SELECT count(*) FROM audit WHERE subject = '$s' AND action LIKE 'hotlist.%'")" -eq $((n0 + 1)) ]
	kmcard-resume "$s" >/dev/null
	[ "$(hotlist)" = "$(printf '%s\tadmin\tinquiry 17/2026' "$s")" ]
}

@test "kmblacklist: -d removes an admin's entry" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	kmblacklist -a "$a" "$b" >/dev/null
	run -0 --separate-stderr kmblacklist -d "$a"
	[ "$output" = "$(printf 'number      %s\nchange      removed' "$a")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\t' "$b")" ]
}

@test "kmblacklist: -d reads cards from stdin" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	kmblacklist -a "$a" "$b" >/dev/null
	printf '%s\n# and\n%s\n' "$b" "$a" > list
	run -0 --separate-stderr kmblacklist -d -j < list
	[ "$output" = "$(printf '{"number":"%s","change":"removed"}\n{"number":"%s","change":"removed"}' "$b" "$a")" ]
	all_json
	[ -z "$stderr" ]
	[ -z "$(hotlist)" ]
}

@test "kmblacklist: removing an unlisted card is a no-op" {
	a=$(in_state active)
	before=$(dump)
	run -0 --separate-stderr kmblacklist -d -t "$a"
	[ "$output" = "$(printf '%s\tnone' "$a")" ]
	[ -z "$stderr" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: an admin cannot remove a card listed because it is blocked" {
	b=$(in_state blocked)
	before=$(dump)
	run -3 --separate-stderr kmblacklist -d "$b"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: argument 1: card '$b' is listed because of its state (block): change the card's state instead
kmblacklist: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(hotlist)" = "$(printf '%s\tblock\tlost' "$b")" ]
}

@test "kmblacklist: an admin cannot remove a card listed because it is suspended" {
	s=$(in_state suspended)
	before=$(dump)
	run -3 --separate-stderr kmblacklist -d "$s"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: argument 1: card '$s' is listed because of its state (suspend): change the card's state instead
kmblacklist: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: one refused card in a list changes nothing" {
	a=$(in_state active "$(p 1)")
	b=$(in_state blocked "$(p 2)")
	c=$(in_state active "$(p 3)")
	kmblacklist -a "$a" "$c" >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmblacklist -d "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: argument 2: card '$b' is listed because of its state (block): change the card's state instead
kmblacklist: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: -k keeps the good cards of a list" {
	a=$(in_state active "$(p 1)")
	c=$(in_state active "$(p 3)")
	run -3 --separate-stderr kmblacklist -a -k -t "$a" "$BADLUHN" "$c"
	[ "$output" = "$(printf '%s\tadded\n%s\tadded' "$a" "$c")" ]
	[ "$stderr" = "kmblacklist: argument 2: card number '$BADLUHN': bad check digit
kmblacklist: 1 of 3 cards refused" ]
	[ "$(hotlist | cut -f1)" = "$(printf '%s\n%s' "$a" "$c")" ]
}

@test "kmblacklist: a bad card number on stdin names its line" {
	a=$(in_state active)
	printf '%s\n\n# next\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmblacklist -a < list
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: <stdin>:4: card number '$BADLUHN': bad check digit
kmblacklist: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: a card number that is not 16 digits is bad data" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmblacklist -a "$a" 90010010000000
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: argument 2: card number '90010010000000': not 16 digits
kmblacklist: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: an unknown card is not found (exit 1)" {
	a=$(in_state active)
	before=$(dump)
	run -1 --separate-stderr kmblacklist -a "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: argument 2: no card '$UNKNOWN'
kmblacklist: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: a reason longer than 64 bytes is refused" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmblacklist -a -r "$(printf 'r%.0s' {1..65})" "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: argument 1: reason: longer than 64 bytes
kmblacklist: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: only an admin may add or remove" {
	a=$(in_state active)
	km_config clerk helpdesk cron device auditor
	before=$(dump)
	run -3 --separate-stderr kmblacklist -a "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: permission denied for user '$(id -un)': needs the role admin (roles in km.yaml(5))" ]
	run -3 --separate-stderr kmblacklist -d "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: permission denied for user '$(id -un)': needs the role admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
	km_config admin
	run -0 --separate-stderr kmblacklist -a -t "$a"
	[ "$output" = "$(printf '%s\tadded' "$a")" ]
	[ -z "$stderr" ]
}

# --- listing -------------------------------------------------------------

@test "kmblacklist: -l lists the entries (human output)" {
	a=$(in_state suspended "$(p 1)")
	b=$(in_state active "$(p 2)")
	kmblacklist -a -r "police report" "$b" >/dev/null
	sa=$(sqlite3 km.db "SELECT since FROM hotlist WHERE number = '$a'")
	sb=$(sqlite3 km.db "SELECT since FROM hotlist WHERE number = '$b'")
	me=$(id -un)
	run -0 --separate-stderr kmblacklist -l
	[ "$output" = "$(printf 'number      %s\nsource      suspend\nsince       %s\nby          %s\n\nnumber      %s\nsource      admin\nreason      police report\nsince       %s\nby          %s' "$a" "$(local_time "$sa")" "$me" "$b" "$(local_time "$sb")" "$me")" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: -l -t and -l -j" {
	a=$(in_state blocked "$(p 1)")
	b=$(in_state active "$(p 2)")
	kmblacklist -a "$b" >/dev/null
	sa=$(sqlite3 km.db "SELECT since FROM hotlist WHERE number = '$a'")
	sb=$(sqlite3 km.db "SELECT since FROM hotlist WHERE number = '$b'")
	[[ "$sa" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	me=$(id -un)
	run -0 --separate-stderr kmblacklist -l -t
	[ "$output" = "$(printf '%s\tblock\tlost\t%s\t%s\n%s\tadmin\t\t%s\t%s' "$a" "$sa" "$me" "$b" "$sb" "$me")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmblacklist -l -j
	[ "${lines[0]}" = "{\"number\":\"$a\",\"source\":\"block\",\"reason\":\"lost\",\"since\":\"$sa\",\"by\":\"$me\"}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"source\":\"admin\",\"reason\":null,\"since\":\"$sb\",\"by\":\"$me\"}" ]
	[ "${#lines[@]}" -eq 2 ]
	all_json
	[ -z "$stderr" ]
}

@test "kmblacklist: -l of an empty hotlist prints nothing" {
	run -0 --separate-stderr kmblacklist -l
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: -l is allowed to helpdesk, auditor, cron and admin" {
	a=$(in_state suspended)
	for role in helpdesk auditor cron admin; do
		km_config "$role"
		run -0 --separate-stderr kmblacklist -l -t
		[ "$(cut -f1-3 <<<"$output")" = "$(printf '%s\tsuspend\t' "$a")" ]
		[ -z "$stderr" ]
	done
}

@test "kmblacklist: -l is refused to clerk and device" {
	km_config clerk device
	run -3 --separate-stderr kmblacklist -l
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: permission denied for user '$(id -un)': needs the role helpdesk or admin or cron or auditor (roles in km.yaml(5))" ]
}

@test "kmblacklist: -l reads a store another program is writing" {
	a=$(in_state suspended)
	lock_store
	run -0 --separate-stderr kmblacklist -l -t
	unlock_store
	[ "$(cut -f1-3 <<<"$output")" = "$(printf '%s\tsuspend\t' "$a")" ]
	[ -z "$stderr" ]
}

# --- publishing ----------------------------------------------------------

@test "kmblacklist: -p writes a full list to stdout" {
	cards 3 > nums
	mapfile -t c < nums
	kmblacklist -a "${c[2]}" "${c[0]}" "${c[1]}" >/dev/null
	run -0 --separate-stderr kmblacklist -p
	[ "$stderr" = "kmblacklist: published version 1: full, 3 listed" ]
	[ "${#lines[@]}" -eq 9 ]
	[ "${lines[0]}" = "KM-HOTLIST 1" ]
	[ "${lines[1]}" = "version 1" ]
	[ "${lines[2]}" = "type full" ]
	[ "${lines[3]}" = "created $(created_of 1)" ]
	[ "${lines[4]}" = "count 3" ]
	[ "${lines[5]}" = "${c[0]} +" ]
	[ "${lines[6]}" = "${c[1]} +" ]
	[ "${lines[7]}" = "${c[2]} +" ]
	[[ "${lines[8]}" =~ ^signature\ sha256\ [A-Za-z0-9+/]+=*$ ]]
	[ "$(versions)" -eq 1 ]
}

@test "kmblacklist: -p -o writes the file and describes it (human output)" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	run -0 --separate-stderr kmblacklist -p -o v1.hl
	[ "$output" = "$(printf 'version     1\ntype        full\ncreated     %s\ncount       2\nadds        2\nremoves     0\nfile        v1.hl' "$(local_time "$(created_of 1)")")" ]
	[ "$stderr" = "kmblacklist: published version 1: full, 2 listed" ]
	[ "$(head -n -1 v1.hl)" = "$(printf 'KM-HOTLIST 1\nversion 1\ntype full\ncreated %s\ncount 2\n%s +\n%s +' "$(created_of 1)" "$(sed -n 1p nums)" "$(sed -n 2p nums)")" ]
	[ "$(stat -c %a v1.hl)" = 644 ]
	[ -z "$(ls | grep -F 'v1.hl.')" ]
}

@test "kmblacklist: -p -o -j describes the file" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	run -0 --separate-stderr kmblacklist -p -j -o v1.hl
	all_json
	[ "$(jq -c '[.version, .type, .base, .created, .count, .adds, .removes, .file]' <<<"$output")" = "[1,\"full\",null,\"$(created_of 1)\",1,1,0,\"v1.hl\"]" ]
	[ "$stderr" = "kmblacklist: published version 1: full, 1 listed" ]
}

@test "kmblacklist: the file is exactly in the documented format" {
	cards 4 > nums
	kmblacklist -a < nums >/dev/null
	s=$(in_state suspended "$(p 9)")
	kmblacklist -f -p -o v1.hl 2>/dev/null >/dev/null
	# Header: magic, version, type, created (ISO UTC), count.
	[ "$(sed -n 1p v1.hl)" = "KM-HOTLIST 1" ]
	[ "$(sed -n 2p v1.hl)" = "version 1" ]
	[ "$(sed -n 3p v1.hl)" = "type full" ]
	[[ "$(sed -n 4p v1.hl)" =~ ^created\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	[ "$(sed -n 5p v1.hl)" = "count 5" ]
	# Records: 16 digits, space, +, newline; 19 bytes each, sorted.
	sed -n '6,10p' v1.hl > records
	[ "$(wc -c < records)" -eq $((5 * 19)) ]
	[ "$(grep -c -E '^[0-9]{16} \+$' records)" -eq 5 ]
	LC_ALL=C sort -c records
	[ "$(cut -c1-16 records)" = "$(sort nums - <<<"$s")" ]
	# Then the signature line, and nothing after it.
	[ "$(wc -l < v1.hl)" -eq 11 ]
	[[ "$(sed -n 11p v1.hl)" =~ ^signature\ sha256\ [A-Za-z0-9+/]+=*$ ]]
	[ "$(tail -c 1 v1.hl | od -An -c | tr -d ' ')" = '\n' ]
}

@test "kmblacklist: an empty hotlist publishes a list of no cards" {
	run -0 --separate-stderr kmblacklist -p -o v1.hl
	[ "$stderr" = "kmblacklist: published version 1: full, 0 listed" ]
	[ "$(head -n -1 v1.hl)" = "$(printf 'KM-HOTLIST 1\nversion 1\ntype full\ncreated %s\ncount 0' "$(created_of 1)")" ]
	run -0 --separate-stderr ossl_verify v1.hl
	[ "$output" = "Verified OK" ]
}

@test "kmblacklist: the signature verifies with openssl, and not after a change" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	run -0 --separate-stderr ossl_verify v1.hl
	[ "$output" = "Verified OK" ]
	# One byte of the data changed: the last digit of the count.
	sed '5s/2$/3/' data > data.bad
	[ "$(cmp data data.bad | wc -l)" -eq 1 ]
	[ "$(cmp -l data data.bad | wc -l)" -eq 1 ]
	run -1 --separate-stderr openssl dgst -sha256 -verify hotlist.pub -signature sig.der data.bad
	[ "$output" = "Verification failure" ]
}

@test "kmblacklist: the signature of stdout output verifies with openssl" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p > out.hl 2>/dev/null
	run -0 --separate-stderr ossl_verify out.hl
	[ "$output" = "Verified OK" ]
}

@test "kmblacklist: version numbers increase" {
	cards 3 > nums
	# (not $i: bats's run clobbers it)
	for v in 1 2 3; do
		kmblacklist -a "$(sed -n "${v}p" nums)" >/dev/null
		run -0 --separate-stderr kmblacklist -p -t -o "v$v.hl"
		[ "$(cut -f1,2 <<<"$output")" = "$(printf '%s\tfull' "$v")" ]
		[ "$stderr" = "kmblacklist: published version $v: full, $v listed" ]
		[ "$(sed -n 2p "v$v.hl")" = "version $v" ]
	done
	[ "$(sqlite3 km.db 'SELECT group_concat(version) FROM hotlist_version')" = 1,2,3 ]
}

@test "kmblacklist: a delta lists what was added and taken off since its base" {
	s=$(in_state suspended "$(p 1)")
	k=$(in_state active "$(p 2)")
	t=$(in_state active "$(p 3)")
	x=$(in_state active "$(p 4)")
	kmblacklist -a "$k" >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	kmcard-resume "$s" >/dev/null		# off: -
	kmcard-block -r stolen "$t" >/dev/null	# on: +
	kmblacklist -a "$x" >/dev/null		# on and off again: not in it
	kmblacklist -d "$x" >/dev/null
	kmcard-block -r lost "$k" >/dev/null	# listed all along: not in it
	run -0 --separate-stderr kmblacklist -p -b 1 -o v2.hl
	[ "$output" = "$(printf 'version     2\ntype        delta\nbase        1\ncreated     %s\ncount       2\nadds        1\nremoves     1\nfile        v2.hl' "$(local_time "$(created_of 2)")")" ]
	[ "$stderr" = "kmblacklist: published version 2: delta against 1, 1 to add, 1 to remove" ]
	[ "$(head -n -1 v2.hl)" = "$(printf 'KM-HOTLIST 1\nversion 2\ntype delta 1\ncreated %s\ncount 2\n%s -\n%s +' "$(created_of 2)" "$s" "$t")" ]
	run -0 --separate-stderr ossl_verify v2.hl
	[ "$output" = "Verified OK" ]
}

@test "kmblacklist: a card resumed appears in a delta with -" {
	s=$(in_state suspended)
	kmblacklist -p >/dev/null 2>&1
	kmcard-resume "$s" >/dev/null
	run -0 --separate-stderr kmblacklist -p -b 1
	[ "${lines[2]}" = "type delta 1" ]
	[ "${lines[4]}" = "count 1" ]
	[ "${lines[5]}" = "$s -" ]
	[ "${#lines[@]}" -eq 7 ]
	[ "$stderr" = "kmblacklist: published version 2: delta against 1, 0 to add, 1 to remove" ]
}

@test "kmblacklist: a delta against an older base spans several versions" {
	cards 3 > nums
	mapfile -t c < nums
	kmblacklist -a "${c[0]}" >/dev/null
	kmblacklist -p >/dev/null 2>&1
	kmblacklist -a "${c[1]}" >/dev/null
	kmblacklist -p >/dev/null 2>&1
	kmblacklist -a "${c[2]}" >/dev/null
	kmblacklist -d "${c[0]}" >/dev/null
	run -0 --separate-stderr kmblacklist -p -t -b 1 -o v3.hl
	[ "$output" = "$(printf '3\tdelta\t1\t%s\t3\t2\t1\tv3.hl' "$(created_of 3)")" ]
	[ "$stderr" = "kmblacklist: published version 3: delta against 1, 2 to add, 1 to remove" ]
	[ "$(sed -n '6,8p' v3.hl)" = "$(printf '%s -\n%s +\n%s +' "${c[0]}" "${c[1]}" "${c[2]}")" ]
}

@test "kmblacklist: -b of an unknown version is not found and records nothing" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	cp v1.hl v1.copy
	before=$(dump)
	run -1 --separate-stderr kmblacklist -p -b 7 -o v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: no hotlist version 7 to make a delta against" ]
	[ "$(dump)" = "$before" ]
	cmp v1.hl v1.copy
	[ -z "$(ls | grep -F 'v1.hl.')" ]
}

@test "kmblacklist: -b must be a version number" {
	for b in 0 -1 x 1x ""; do
		run -2 --separate-stderr kmblacklist -p -b "$b"
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "kmblacklist: -b '$b': not a version number" ]
		usage_error
	done
	[ "$(versions)" -eq 0 ]
}

@test "kmblacklist: publishing more than max_add new entries is refused" {
	cards 6 > nums
	kmblacklist -a < nums >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmblacklist -p -o v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: version 1 would add 6 cards at once, more than blacklist.max_add (5): check the list, or force it" ]
	[ "$(versions)" -eq 0 ]
	[ "$(dump)" = "$before" ]
	[ ! -e v1.hl ]
	[ -z "$(ls | grep -F 'v1.hl.')" ]
}

@test "kmblacklist: max_add new entries are published" {
	cards 5 > nums
	kmblacklist -a < nums >/dev/null
	run -0 --separate-stderr kmblacklist -p -t -o v1.hl
	[ "$output" = "$(printf '1\tfull\t\t%s\t5\t5\t0\tv1.hl' "$(created_of 1)")" ]
	[ "$stderr" = "kmblacklist: published version 1: full, 5 listed" ]
	[ "$(versions)" -eq 1 ]
}

@test "kmblacklist: max_add counts the entries added since the last version" {
	cards 9 > nums
	head -n 5 nums | kmblacklist -a >/dev/null
	kmblacklist -p >/dev/null 2>&1
	tail -n 4 nums | kmblacklist -a >/dev/null
	run -0 --separate-stderr kmblacklist -p -o v2.hl
	[ "$stderr" = "kmblacklist: published version 2: full, 9 listed" ]
	[ "$(versions)" -eq 2 ]
}

@test "kmblacklist: -f forces a publish over max_add" {
	cards 6 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p 2>/dev/null || true
	[ "$(versions)" -eq 0 ]
	run -0 --separate-stderr kmblacklist -p -f -o v1.hl
	[ "$stderr" = "kmblacklist: published version 1: full, 6 listed" ]
	[ "${lines[0]}" = "version     1" ]
	[ "${lines[1]}" = "type        full" ]
	[ "$(versions)" -eq 1 ]
	[ "$(sed -n 5p v1.hl)" = "count 6" ]
	run -0 --separate-stderr ossl_verify v1.hl
	[ "$output" = "Verified OK" ]
}

@test "kmblacklist: a missing keys.hotlist_signer refuses to publish" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	sed -i '/^keys:/d; /hotlist_signer/d' km.yaml
	[ -z "$(grep hotlist_signer km.yaml)" ]
	before=$(dump)
	run -3 --separate-stderr kmblacklist -p -o v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: keys.hotlist_signer is not set in '$PWD/km.yaml'" ]
	[ "$(dump)" = "$before" ]
	[ ! -e v1.hl ]
}

@test "kmblacklist: a signing key readable by others refuses to publish" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	chmod 0644 hotlist.key
	before=$(dump)
	run -3 --separate-stderr kmblacklist -p -o v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: key '$PWD/hotlist.key' is readable by others" ]
	[ "$(dump)" = "$before" ]
	[ ! -e v1.hl ]
	[ -z "$(ls | grep -F 'v1.hl.')" ]
}

@test "kmblacklist: publish needs admin or cron" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	before=$(dump)
	km_config clerk helpdesk device auditor
	run -3 --separate-stderr kmblacklist -p
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: permission denied for user '$(id -un)': needs the role admin or cron (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
	km_config cron
	run -0 --separate-stderr kmblacklist -p -t -o v1.hl
	[ "$stderr" = "kmblacklist: published version 1: full, 1 listed" ]
	km_config admin
	run -0 --separate-stderr kmblacklist -p -t -o v2.hl
	[ "$stderr" = "kmblacklist: published version 2: full, 1 listed" ]
}

@test "kmblacklist: publishing into a missing directory is a system error" {
	before=$(dump)
	run -5 --separate-stderr kmblacklist -p -o nodir/v1.hl
	[ -z "$output" ]
	[[ "$stderr" == "kmblacklist: cannot create 'nodir/v1.hl."*"': No such file or directory" ]]
	[ "$(dump)" = "$before" ]
}

# --- verifying -----------------------------------------------------------

@test "kmblacklist: -v verifies a full list (human, -t, -j)" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	c=$(created_of 1)
	run -0 --separate-stderr kmblacklist -v v1.hl
	[ "$output" = "$(printf 'version     1\ntype        full\ncreated     %s\ncount       2\nadds        2\nremoves     0\nfile        v1.hl' "$(local_time "$c")")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmblacklist -j -v v1.hl
	all_json
	[ "$(jq -c '[.version, .type, .base, .created, .count, .adds, .removes, .file]' <<<"$output")" = "[1,\"full\",null,\"$c\",2,2,0,\"v1.hl\"]" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: -v verifies a delta (-t)" {
	s=$(in_state suspended)
	kmblacklist -p >/dev/null 2>&1
	kmcard-resume "$s" >/dev/null
	kmblacklist -p -b 1 -o v2.hl >/dev/null 2>&1
	run -0 --separate-stderr kmblacklist -t -v v2.hl
	[ "$output" = "$(printf '2\tdelta\t1\t%s\t1\t0\t1\tv2.hl' "$(created_of 2)")" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: full and delta records have the same TSV columns" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	run -0 --separate-stderr kmblacklist -p -t -o v1.hl
	[ "$output" = "$(printf '1\tfull\t\t%s\t1\t1\t0\tv1.hl' "$(created_of 1)")" ]
	run -0 --separate-stderr kmblacklist -t -v v1.hl
	[ "$output" = "$(printf '1\tfull\t\t%s\t1\t1\t0\tv1.hl' "$(created_of 1)")" ]
}

@test "kmblacklist: -v needs no store" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	rm km.db
	run -0 --separate-stderr kmblacklist -j -v v1.hl
	[ "$(jq -c '[.version, .count]' <<<"$output")" = "[1,1]" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: -v refuses a file with one byte changed" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	sed '6s/ +$/ -/' v1.hl > bad.hl
	[ "$(cmp -l v1.hl bad.hl | wc -l)" -eq 1 ]
	run -3 --separate-stderr kmblacklist -v bad.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'bad.hl': signature does not verify" ]
}

@test "kmblacklist: -v refuses a truncated file" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	head -c 100 v1.hl > cut.hl
	run -3 --separate-stderr kmblacklist -v cut.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'cut.hl': not a hotlist" ]
	# Cut after a whole line: the signature is gone.
	head -n 6 v1.hl > cut.hl
	run -3 --separate-stderr kmblacklist -v cut.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'cut.hl': no signature" ]
}

@test "kmblacklist: -v refuses a file without signature" {
	cards 2 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	head -n -1 v1.hl > nosig.hl
	run -3 --separate-stderr kmblacklist -v nosig.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'nosig.hl': no signature" ]
}

@test "kmblacklist: -v refuses a signature in bad base64" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	sed '$s/^signature sha256 /signature sha256 !/' v1.hl > bad.hl
	run -3 --separate-stderr kmblacklist -v bad.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'bad.hl': bad base64" ]
}

@test "kmblacklist: -v refuses a file signed by another key" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key 2>/dev/null
	head -n -1 v1.hl > body
	openssl dgst -sha256 -sign other.key -out body.sig body
	{ cat body; printf 'signature sha256 %s\n' "$(base64 -w0 body.sig)"; } > other.hl
	run -3 --separate-stderr kmblacklist -v other.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'other.hl': signature does not verify" ]
}

@test "kmblacklist: -v refuses a well-signed file that breaks the format" {
	a=9001001000000016 b=9001001000000024
	h='KM-HOTLIST 1\nversion 2\ntype full\ncreated 2026-01-02T03:04:05Z\n'
	for body in \
	    "${h}count 2\n$b +\n$a +\n" \
	    "${h}count 2\n$a +\n$a +\n" \
	    "${h}count 3\n$a +\n$b +\n" \
	    "${h}count 1\n$a -\n" \
	    "${h}count 1\n$a  +\n" \
	    'KM-HOTLIST 1\nversion 2\ntype delta 2\ncreated 2026-01-02T03:04:05Z\ncount 0\n' \
	    'KM-HOTLIST 2\nversion 2\ntype full\ncreated 2026-01-02T03:04:05Z\ncount 0\n' \
	    'KM-HOTLIST 1\nversion 2\ntype full\ncreated 2026-13-02T03:04:05Z\ncount 0\n'; do
		printf "$body" > body
		resign body crafted.hl
		run -3 --separate-stderr kmblacklist -v crafted.hl
		[ -z "$output" ]
		[[ "$stderr" == "kmblacklist: hotlist 'crafted.hl': malformed at byte "* ]]
	done
	# The same, well formed, passes.
	printf "${h}count 2\n$a +\n$b +\n" > body
	resign body crafted.hl
	run -0 --separate-stderr kmblacklist -t -v crafted.hl
	[ "$output" = "$(printf '2\tfull\t\t2026-01-02T03:04:05Z\t2\t2\t0\tcrafted.hl')" ]
}

@test "kmblacklist: -v refuses numbers not written as plain decimals from 1" {
	for v in '+2' ' 2' '0' '02' '-2' '2 '; do
		printf 'KM-HOTLIST 1\nversion %s\ntype full\ncreated 2026-01-02T03:04:05Z\ncount 0\n' "$v" > body
		resign body crafted.hl
		run -3 --separate-stderr kmblacklist -v crafted.hl
		[ -z "$output" ]
		[[ "$stderr" == "kmblacklist: hotlist 'crafted.hl': malformed at byte "* ]]
	done
	for c in '+0' '00' ' 0'; do
		printf 'KM-HOTLIST 1\nversion 2\ntype full\ncreated 2026-01-02T03:04:05Z\ncount %s\n' "$c" > body
		resign body crafted.hl
		run -3 --separate-stderr kmblacklist -v crafted.hl
		[ -z "$output" ]
		[[ "$stderr" == "kmblacklist: hotlist 'crafted.hl': malformed at byte "* ]]
	done
	printf 'KM-HOTLIST 1\nversion 2\ntype delta +1\ncreated 2026-01-02T03:04:05Z\ncount 0\n' > body
	resign body crafted.hl
	run -3 --separate-stderr kmblacklist -v crafted.hl
	[ -z "$output" ]
	[[ "$stderr" == "kmblacklist: hotlist 'crafted.hl': malformed at byte "* ]]
}

@test "kmblacklist: -v of a missing file is bad data" {
	run -3 --separate-stderr kmblacklist -v nosuch.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: cannot read hotlist 'nosuch.hl': No such file or directory" ]
}

@test "kmblacklist: -v of a directory is a file that cannot be read (exit 3)" {
	mkdir dir.hl
	run -3 --separate-stderr kmblacklist -v dir.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: cannot read hotlist 'dir.hl': Is a directory" ]
}

@test "kmblacklist: -v with a signing key readable by others is refused" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	chmod 0644 hotlist.key
	run -3 --separate-stderr kmblacklist -v v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'v1.hl': key '$PWD/hotlist.key' is readable by others" ]
}

@test "kmblacklist: -v without any key in the config is refused" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	sed -i '/^keys:/d; /hotlist_signer/d' km.yaml
	run -3 --separate-stderr kmblacklist -v v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: neither keys.hotlist_verify nor keys.hotlist_signer is set in '$PWD/km.yaml'" ]
}

@test "kmblacklist: -v with keys.hotlist_verify needs only the public key" {
	cards 1 > nums
	kmblacklist -a < nums >/dev/null
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	sed -i '/^keys:/d; /hotlist_signer/d' km.yaml
	printf 'keys:\n  hotlist_verify: hotlist.pub\n' >> km.yaml
	run -0 --separate-stderr kmblacklist -t -v v1.hl
	[ "$output" = "$(printf '1\tfull\t\t%s\t1\t1\t0\tv1.hl' "$(created_of 1)")" ]
	[ -z "$stderr" ]
	sed '6s/ +$/ -/' v1.hl > bad.hl
	run -3 --separate-stderr kmblacklist -v bad.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'bad.hl': signature does not verify" ]
	# Publishing still needs the signing key.
	before=$(dump)
	run -3 --separate-stderr kmblacklist -p
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: keys.hotlist_signer is not set in '$PWD/km.yaml'" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: -v with keys.hotlist_verify does not touch the signing key" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	sed -i '/hotlist_signer/a\  hotlist_verify: hotlist.pub' km.yaml
	chmod 0644 hotlist.key
	run -0 --separate-stderr kmblacklist -t -v v1.hl
	[ "$(cut -f1,2 <<<"$output")" = "$(printf '1\tfull')" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: -v with keys.hotlist_verify of another key refuses the file" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	    openssl pkey -pubout -out other.pub 2>/dev/null
	sed -i '/hotlist_signer/a\  hotlist_verify: other.pub' km.yaml
	run -3 --separate-stderr kmblacklist -v v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'v1.hl': signature does not verify" ]
}

@test "kmblacklist: -v is allowed to device and auditor, not to clerk or helpdesk" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	for role in device auditor; do
		km_config "$role"
		run -0 --separate-stderr kmblacklist -t -v v1.hl
		[ "$(cut -f1,2 <<<"$output")" = "$(printf '1\tfull')" ]
		[ -z "$stderr" ]
	done
	km_config clerk helpdesk
	run -3 --separate-stderr kmblacklist -v v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: permission denied for user '$(id -un)': needs the role admin or cron or device or auditor (roles in km.yaml(5))" ]
}

# --- usage, store, exit statuses ------------------------------------------

@test "kmblacklist: -h prints usage on stdout" {
	run -0 --separate-stderr kmblacklist -h
	[ "$output" = "$(printf '%s\n' "${USAGE[@]}")" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: -V prints the version" {
	run -0 --separate-stderr kmblacklist -V
	[ "$output" = "kmblacklist (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmblacklist: unknown option is a usage error" {
	run -2 --separate-stderr kmblacklist -x -l
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmblacklist: invalid option -- 'x'" ]
	[ "${#stderr_lines[@]}" -eq 6 ]
	usage_error
}

@test "kmblacklist: no mode is a usage error" {
	run -2 --separate-stderr kmblacklist
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 5 ]
	usage_error
}

# usage_refused ARGS...: exit 2, nothing on stdout, the usage, no change.
usage_refused() {
	local before
	before=$(dump)
	run -2 --separate-stderr kmblacklist "$@"
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 5 ]
	usage_error
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: mixing -a and -d is a usage error" {
	a=$(in_state active)
	usage_refused -a -d "$a"
	usage_refused -d -a "$a"
}

@test "kmblacklist: mixing other modes is a usage error" {
	usage_refused -l -p
	usage_refused -p -a
	usage_refused -l -v x.hl
	usage_refused -v x.hl -l
	usage_refused -v x.hl -v y.hl
}

@test "kmblacklist: options of another mode are usage errors" {
	a=$(in_state active)
	usage_refused -d -r why "$a"
	usage_refused -l -r why
	usage_refused -a -b 1 "$a"
	usage_refused -l -f
	usage_refused -a -o x.hl "$a"
	usage_refused -l "$a"
	usage_refused -p "$a"
	usage_refused -l -k
	usage_refused -p -k
	usage_refused -k -v x.hl
}

@test "kmblacklist: a store locked by another writer is temporary (exit 4)" {
	a=$(in_state active)
	kmblacklist -a "$a" >/dev/null
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmblacklist -d "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: store '$PWD/km.db' is busy: another program is writing to it" ]
	run -4 --separate-stderr kmblacklist -p -o v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: store '$PWD/km.db' is busy: another program is writing to it" ]
	unlock_store
	[ "$(dump)" = "$before" ]
	[ ! -e v1.hl ]
	[ -z "$(ls | grep -F 'v1.hl.')" ]
}

@test "kmblacklist: a missing store is a config error (exit 3)" {
	rm km.db
	for mode in -l -p "-a $UNKNOWN"; do
		run -3 --separate-stderr kmblacklist $mode
		[ -z "$output" ]
		[ "$stderr" = "kmblacklist: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	done
	[ ! -e km.db ]
}

@test "kmblacklist: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmblacklist -a < .
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmblacklist: a failing write to stdout is a system error (exit 5)" {
	a=$(in_state suspended)
	run -5 --separate-stderr sh -c 'kmblacklist -l >/dev/full'
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: write to stdout: No space left on device" ]
}

@test "kmblacklist: the same card twice in -a is added once" {
	a=$(in_state active)
	run -0 --separate-stderr kmblacklist -a -t "$a" "$a"
	[ "$output" = "$(printf '%s\tadded\n%s\tnone' "$a" "$a")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\t' "$a")" ]
}

@test "kmblacklist: -v with keys.hotlist_verify naming a missing file is refused" {
	kmblacklist -p -o v1.hl >/dev/null 2>&1
	sed -i '/hotlist_signer/a\  hotlist_verify: nosuch.pub' km.yaml
	run -3 --separate-stderr kmblacklist -v v1.hl
	[ -z "$output" ]
	[ "$stderr" = "kmblacklist: hotlist 'v1.hl': cannot read key '$PWD/nosuch.pub': No such file or directory" ]
}
