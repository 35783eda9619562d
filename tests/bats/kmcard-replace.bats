load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-replace: the old card is replaced and hotlisted, a new one is
# ordered for the same holder with the same services, and with -T a
# temporary card stands in until the new one is collected.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit
SYN='[-jkTt] [-c config] [-r reason] [card ...]'

# uid_for NUMBER: a chip UID of its own for each card (type and serial).
uid_for() { printf '04%012X' "$((10#${1:6:9}))"; }

# in_state STATE [pesel]: a Resident Card taken to STATE by the km
# programs; prints its number, fails if it did not get there.
in_state() {
	local st=$1 n uid
	n=$(resident "${2:-44051401359}") || return 1
	uid=$(uid_for "$n")
	case $st in
	ordered) ;;
	personalised) kmcard-receive "$n" "$uid" ;;
	active) kmcard-receive "$n" "$uid" && kmcard-activate "$n" ;;
	suspended) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-suspend "$n" ;;
	blocked) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-block -r lost "$n" ;;
	replaced) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-replace "$n" ;;
	expired) kmcard-expire -f -d 2040-01-01 ;;
	revoked) kmcard-revoke -r fraud "$n" ;;
	*) return 1 ;;
	esac >/dev/null 2>&1 || return 1
	[ "$(state_of "$n")" = "$st" ] || return 1
	echo "$n"
}

# The card of type T (1 resident, 2 entrepreneur, 9 temporary) that
# replaces card OLD.
successor() {
	sqlite3 km.db "SELECT n.number FROM card n JOIN card o ON o.id = n.replaces WHERE o.number = '$1' AND n.type = $2"
}

# Warsaw local time of an ISO UTC time, as people see it.
local_time() { TZ=Europe/Warsaw date -d "$1" '+%Y-%m-%d %H:%M'; }

refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr kmcard-replace "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 1: card '$n' is $st: it cannot be replaced
kmcard-replace: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

allowed_from() {
	local n new
	n=$(in_state "$1")
	run -0 --separate-stderr kmcard-replace -t "$n"
	new=$(successor "$n" 1)
	[ -n "$new" ]
	[ "$output" = "$(printf '%s\treplaced\t%s\t\t' "$n" "$new")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = replaced ]
	[ "$(state_of "$new")" = ordered ]
}

@test "kmcard-replace: an active card is replaced (human output)" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-replace "$n"
	new=$(successor "$n" 1)
	[ -n "$new" ]
	[ "$output" = "$(printf 'number      %s\nstate       replaced\nnew         %s' "$n" "$new")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = replaced ]
	[ "$(state_of "$new")" = ordered ]
}

@test "kmcard-replace: -t prints number, state, new, temporary, its expiry" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-replace -t "$n"
	new=$(successor "$n" 1)
	[ "$output" = "$(printf '%s\treplaced\t%s\t\t' "$n" "$new")" ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: -j prints one JSON object a card" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-replace -j "$n"
	new=$(successor "$n" 1)
	[ "$output" = "{\"number\":\"$n\",\"state\":\"replaced\",\"new\":\"$new\",\"temporary\":null,\"temporary_expires\":null}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-replace: -T also orders a temporary card (human output)" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-replace -T "$n"
	new=$(successor "$n" 1)
	tmp=$(successor "$n" 9)
	[ -n "$tmp" ]
	exp=$(sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$tmp'")
	[ "$output" = "$(printf 'number      %s\nstate       replaced\nnew         %s\ntemporary   %s\ntemporary_expires %s' "$n" "$new" "$tmp" "$(local_time "$exp")")" ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: -T in -t and -j" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmcard-replace -T -t "$a"
	new=$(successor "$a" 1)
	tmp=$(successor "$a" 9)
	exp=$(sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$tmp'")
	[ "$output" = "$(printf '%s\treplaced\t%s\t%s\t%s' "$a" "$new" "$tmp" "$exp")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-replace -T -j "$b"
	new=$(successor "$b" 1)
	tmp=$(successor "$b" 9)
	exp=$(sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$tmp'")
	[ "$output" = "{\"number\":\"$b\",\"state\":\"replaced\",\"new\":\"$new\",\"temporary\":\"$tmp\",\"temporary_expires\":\"$exp\"}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-replace: the old card is replaced, linked to the new one and listed" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-replace -r damaged "$n"
	[ -z "$stderr" ]
	new=$(successor "$n" 1)
	run -0 --separate-stderr kmcard-status -j "$n"
	[ "$(jq -r '[.state, .reason, .replaced_by, .hotlisted] | @tsv' <<<"$output")" = "$(printf 'replaced\tdamaged\t%s\ttrue' "$new")" ]
	[ "$(hotlist)" = "$(printf '%s\treplace\tdamaged' "$n")" ]
}

@test "kmcard-replace: the new card is ordered for the same holder with the same services" {
	kmcard-issue type=resident pesel=44051401359 first_name=Jan \
	    surname=Kowalski "street=ul. Długa 5" postcode=00-950 \
	    city=Warszawa services=identification+eticket >/dev/null
	n=9001001000000016
	kmcard-receive "$n" "$(uid_for "$n")" >/dev/null
	kmcard-activate "$n" >/dev/null
	run -0 --separate-stderr kmcard-replace "$n"
	[ -z "$stderr" ]
	new=$(successor "$n" 1)
	old_json=$(kmcard-status -j "$n")
	run -0 --separate-stderr kmcard-status -j "$new"
	[ "$(jq -c '[.type, .state, .holder_id, .services, .replaces, .hotlisted]' <<<"$output")" = \
	    "[\"resident\",\"ordered\",$(jq .holder_id <<<"$old_json"),[\"identification\",\"eticket\"],\"$n\",false]" ]
	[ "$(jq -c .services <<<"$old_json")" = '["identification","eticket"]' ]
}

@test "kmcard-replace: an Entrepreneur Card is replaced by an Entrepreneur Card" {
	n=$(entrepreneur)
	kmcard-receive "$n" 04AABBCCDDEEFF >/dev/null
	run -0 --separate-stderr kmcard-replace -t "$n"
	new=$(successor "$n" 2)
	[ -n "$new" ]
	[ "$output" = "$(printf '%s\treplaced\t%s\t\t' "$n" "$new")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-status -j "$new"
	[ "$(jq -c '[.type, .state, .company, .services]' <<<"$output")" = \
	    '["entrepreneur","ordered","Łódź Sp. z o.o.",["identification","payments","esignature"]]' ]
}

@test "kmcard-replace: the temporary card is of type temporary and expires in 30 days" {
	n=$(in_state active)
	kmcard-replace -T "$n" >/dev/null
	tmp=$(successor "$n" 9)
	old_json=$(kmcard-status -j "$n")
	run -0 --separate-stderr kmcard-status -j "$tmp"
	[ "$(jq -c '[.type, .state, .holder_id, .services, .replaces]' <<<"$output")" = \
	    "[\"temporary\",\"ordered\",$(jq .holder_id <<<"$old_json"),$(jq -c .services <<<"$old_json"),\"$n\"]" ]
	[ "$(jq '(.expires | fromdate) - (.ordered | fromdate)' <<<"$output")" -eq $((30 * 86400)) ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: collecting the new card expires and lists the temporary one" {
	n=$(in_state active)
	kmcard-replace -T "$n" >/dev/null
	new=$(successor "$n" 1)
	tmp=$(successor "$n" 9)
	kmcard-receive "$tmp" "$(uid_for "$tmp")" >/dev/null
	kmcard-activate "$tmp" >/dev/null
	[ "$(state_of "$tmp")" = active ]
	kmcard-receive "$new" "$(uid_for "$new")" >/dev/null
	run -0 --separate-stderr kmcard-activate -t "$new"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$new")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-status -j "$tmp"
	[ "$(jq -c '[.state, .reason, .history[-1].from, .history[-1].note, .hotlisted]' <<<"$output")" = \
	    "[\"expired\",\"replacement collected\",\"active\",\"$new\",true]" ]
	[ "$(hotlist)" = "$(printf '%s\treplace\t\n%s\texpire\treplacement collected' "$n" "$tmp")" ]
}

@test "kmcard-replace: an ordered temporary card is expired and listed too" {
	n=$(in_state active)
	kmcard-replace -T "$n" >/dev/null
	new=$(successor "$n" 1)
	tmp=$(successor "$n" 9)
	kmcard-receive "$new" "$(uid_for "$new")" >/dev/null
	kmcard-activate "$new" >/dev/null
	[ "$(state_of "$tmp")" = expired ]
	[ "$(hotlist)" = "$(printf '%s\treplace\t\n%s\texpire\treplacement collected' "$n" "$tmp")" ]
}

@test "kmcard-replace: a temporary card cannot itself be replaced" {
	n=$(in_state active)
	kmcard-replace -T "$n" >/dev/null
	tmp=$(successor "$n" 9)
	kmcard-receive "$tmp" "$(uid_for "$tmp")" >/dev/null
	kmcard-activate "$tmp" >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmcard-replace "$tmp"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 1: card '$tmp' is a temporary card: it is not replaced
kmcard-replace: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: an ordered card cannot be replaced" {
	n=$(in_state ordered)
	before=$(dump)
	run -3 --separate-stderr kmcard-replace -T "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 1: card '$n' is ordered: it cannot be replaced
kmcard-replace: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

# The transition table: replace leads from personalised, active,
# suspended and blocked.
@test "kmcard-replace: allowed from personalised" { allowed_from personalised; }
@test "kmcard-replace: allowed from active" { allowed_from active; }
@test "kmcard-replace: allowed from suspended" { allowed_from suspended; }
@test "kmcard-replace: allowed from blocked" { allowed_from blocked; }
@test "kmcard-replace: refused from ordered" { refused_from ordered; }
@test "kmcard-replace: refused from replaced" { refused_from replaced; }
@test "kmcard-replace: refused from expired" { refused_from expired; }
@test "kmcard-replace: refused from revoked" { refused_from revoked; }

@test "kmcard-replace: a blocked card replaced stays listed" {
	n=$(in_state blocked)
	[ "$(hotlist)" = "$(printf '%s\tblock\tlost' "$n")" ]
	run -0 --separate-stderr kmcard-replace -r lost "$n"
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\treplace\tlost' "$n")" ]
}

@test "kmcard-replace: several cards as operands" {
	a=$(in_state active "$(p 1)")
	b=$(in_state blocked "$(p 2)")
	run -0 --separate-stderr kmcard-replace -t "$a" "$b"
	[ "$output" = "$(printf '%s\treplaced\t%s\t\t\n%s\treplaced\t%s\t\t' "$a" "$(successor "$a" 1)" "$b" "$(successor "$b" 1)")" ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: several cards on stdin, blank lines and comments ignored" {
	a=$(in_state active "$(p 1)")
	b=$(in_state suspended "$(p 2)")
	printf '# lost at the station\n%s\n\n\t\n%s\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-replace -j < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"replaced\",\"new\":\"$(successor "$a" 1)\",\"temporary\":null,\"temporary_expires\":null}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"replaced\",\"new\":\"$(successor "$b" 1)\",\"temporary\":null,\"temporary_expires\":null}" ]
	all_json
	[ -z "$stderr" ]
}

@test "kmcard-replace: one refused card in a list changes nothing" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state active "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr kmcard-replace -T "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 2: card '$b' is ordered: it cannot be replaced
kmcard-replace: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: -k keeps the good cards of a list" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -3 --separate-stderr kmcard-replace -k -t "$a" "$b" "$c"
	[ "$output" = "$(printf '%s\treplaced\t%s\t\t\n%s\treplaced\t%s\t\t' "$a" "$(successor "$a" 1)" "$c" "$(successor "$c" 1)")" ]
	[ "$stderr" = "kmcard-replace: argument 2: card '$b' is ordered: it cannot be replaced
kmcard-replace: 1 of 3 cards refused, 2 replaced" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = replaced/ordered/replaced ]
	[ -z "$(successor "$b" 1)" ]
}

@test "kmcard-replace: the same card twice in a list changes nothing" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-replace "$a" "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 2: card '$a' is replaced: it cannot be replaced
kmcard-replace: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: a bad card number on stdin names its line" {
	a=$(in_state active)
	printf '%s\n\n# x\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmcard-replace < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: <stdin>:4: card number '$BADLUHN': bad check digit
kmcard-replace: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: a card number that is not 16 digits is bad data" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-replace "$a" "x$a"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 2: card number 'x$a': not 16 digits
kmcard-replace: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: an unknown card is not found (exit 1)" {
	a=$(in_state active)
	before=$(dump)
	run -1 --separate-stderr kmcard-replace "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 2: no card '$UNKNOWN'
kmcard-replace: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-replace -h
	[ "$output" = "usage: kmcard-replace $SYN" ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: -V prints the version" {
	run -0 --separate-stderr kmcard-replace -V
	[ "$output" = "kmcard-replace (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: unknown option is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-replace -x "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-replace: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-replace $SYN" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: a clerk may replace" {
	n=$(in_state active)
	km_config clerk
	run -0 --separate-stderr kmcard-replace -t "$n"
	[ "$output" = "$(printf '%s\treplaced\t%s\t\t' "$n" "$(successor "$n" 1)")" ]
	[ -z "$stderr" ]
}

@test "kmcard-replace: helpdesk may not replace" {
	n=$(in_state active)
	km_config helpdesk auditor cron device
	before=$(dump)
	run -3 --separate-stderr kmcard-replace "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state active)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-replace -T "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-replace "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-replace: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmcard-replace < .
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state active)
	run -5 --separate-stderr sh -c 'kmcard-replace "$1" >/dev/full' sh "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: write to stdout: No space left on device" ]
}

@test "kmcard-replace: a reason longer than 64 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-replace -r "$(printf 'x%.0s' {1..65})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 1: reason: longer than 64 bytes
kmcard-replace: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-replace: no card numbers left for the type is bad data" {
	n=$(in_state active)
	sqlite3 km.db "UPDATE counter SET value = 99999999 WHERE name = 'card.1'"
	before=$(dump)
	run -3 --separate-stderr kmcard-replace "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-replace: argument 1: no card numbers left for the Resident Card in IIN 900100
kmcard-replace: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = active ]
}
