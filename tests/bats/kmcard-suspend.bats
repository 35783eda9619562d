load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-suspend: an active card is suspended and put on the hotlist.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit

# refused_from STATE: the card in STATE is refused, nothing changes.
refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 1: card '$n' is $st: it cannot be suspended
kmcard-suspend: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

# allowed_from STATE: the card in STATE moves to suspended.
allowed_from() {
	local n
	n=$(in_state "$1")
	run -0 --separate-stderr kmcard-suspend -t  "$n"
	[ "$output" = "$(printf '%s\tsuspended\t%s\t%s' "$n" "" "1")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = suspended ]
}

@test "kmcard-suspend: an active card becomes suspended (human output)" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-suspend  "$n"
	[ "$output" = "$(rec "$n" suspended "" yes)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = suspended ]
}

@test "kmcard-suspend: -t prints number, state, reason, hotlisted" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-suspend -t  "$n"
	[ "$output" = "$(printf '%s\tsuspended\t%s\t1' "$n" "")" ]
	[ -z "$stderr" ]
}

@test "kmcard-suspend: -j prints one JSON object a card" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-suspend -j  "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"suspended\",\"reason\":null,\"hotlisted\":true}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-suspend: -n note is recorded in the card's history" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-suspend -t -n "call of 3 May"  "$n"
	[ "$output" = "$(printf '%s\tsuspended\t%s\t1' "$n" "")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.from_state, e.to_state, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "suspend|active|suspended|call of 3 May" ]
}

@test "kmcard-suspend: several cards as operands" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -0 --separate-stderr kmcard-suspend  "$a" "$b" "$c"
	[ "$output" = "$(rec "$a" suspended "" yes; echo; rec "$b" suspended "" yes; echo; rec "$c" suspended "" yes)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = suspended/suspended/suspended ]
}

@test "kmcard-suspend: several cards on stdin, blank lines and comments ignored" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	printf '# from the helpdesk\n%s\n\n   \n  %s  \n# end\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-suspend -j  < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"suspended\",\"reason\":null,\"hotlisted\":true}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"suspended\",\"reason\":null,\"hotlisted\":true}" ]
	all_json
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")" = suspended/suspended ]
}

@test "kmcard-suspend: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-suspend -h
	[ "$output" = "usage: kmcard-suspend [-jkt] [-c config] [-n note] [-r reason] [card ...]" ]
	[ -z "$stderr" ]
}

@test "kmcard-suspend: -V prints the version" {
	run -0 --separate-stderr kmcard-suspend -V
	[ "$output" = "kmcard-suspend (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmcard-suspend: unknown option is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-suspend -x  "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-suspend: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-suspend [-jkt] [-c config] [-n note] [-r reason] [card ...]" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: one refused card in a list changes nothing" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state active "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 2: card '$b' is ordered: it cannot be suspended
kmcard-suspend: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: -k keeps the good cards of a list" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -3 --separate-stderr kmcard-suspend -k -t  "$a" "$b" "$c"
	[ "$output" = "$(printf '%s\tsuspended\t%s\t1\n%s\tsuspended\t%s\t1' "$a" "" "$c" "")" ]
	[ "$stderr" = "kmcard-suspend: argument 2: card '$b' is ordered: it cannot be suspended
kmcard-suspend: 1 of 3 cards refused, 2 changed" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = suspended/ordered/suspended ]
}

@test "kmcard-suspend: the same card twice in a list changes nothing" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  "$a" "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 2: card '$a' is suspended: it cannot be suspended
kmcard-suspend: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a bad card number on stdin names its line" {
	a=$(in_state active "$(p 1)")
	printf '%s\n# next\n\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: <stdin>:4: card number '$BADLUHN': bad check digit
kmcard-suspend: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a card number that is not 16 digits is bad data" {
	a=$(in_state active "$(p 1)")
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  "$a" 9001-0010-0000-0016
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 2: card number '9001-0010-0000-0016': not 16 digits
kmcard-suspend: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: an unknown card is not found (exit 1)" {
	a=$(in_state active "$(p 1)")
	before=$(dump)
	run -1 --separate-stderr kmcard-suspend  "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 2: no card '$UNKNOWN'
kmcard-suspend: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: an unknown card on stdin names its line" {
	printf '\n%s\n' "$UNKNOWN" > list
	before=$(dump)
	run -1 --separate-stderr kmcard-suspend  < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: <stdin>:2: no card '$UNKNOWN'
kmcard-suspend: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: bad data outranks not found in the exit status" {
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  "$UNKNOWN" "$BADLUHN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 1: no card '$UNKNOWN'
kmcard-suspend: argument 2: card number '$BADLUHN': bad check digit
kmcard-suspend: 2 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a clerk may run it" {
	n=$(in_state active)
	km_config clerk
	run -0 --separate-stderr kmcard-suspend -t  "$n"
	[ "$output" = "$(printf '%s\tsuspended\t%s\t1' "$n" "")" ]
	[ -z "$stderr" ]
}

@test "kmcard-suspend: a user without a role for it is refused" {
	n=$(in_state active)
	km_config auditor cron device
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend  "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: permission denied for user '$(id -un)': needs the role clerk or helpdesk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state active)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-suspend  "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-suspend  "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-suspend: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmcard-suspend  < .
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state active)
	run -5 --separate-stderr sh -c 'kmcard-suspend  "$1" >/dev/full' sh "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: write to stdout: No space left on device" ]
}

# The transition table: suspend leads from active only.
@test "kmcard-suspend: allowed from active" { allowed_from active; }
@test "kmcard-suspend: refused from ordered" { refused_from ordered; }
@test "kmcard-suspend: refused from personalised" { refused_from personalised; }
@test "kmcard-suspend: refused from suspended" { refused_from suspended; }
@test "kmcard-suspend: refused from blocked" { refused_from blocked; }
@test "kmcard-suspend: refused from replaced" { refused_from replaced; }
@test "kmcard-suspend: refused from expired" { refused_from expired; }
@test "kmcard-suspend: refused from revoked" { refused_from revoked; }

@test "kmcard-suspend: -r gives the reason, shown in all formats" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -0 --separate-stderr kmcard-suspend -r "holder abroad" "$a"
	[ "$output" = "$(rec "$a" suspended "holder abroad" yes)" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-suspend -t -r "holder abroad" "$b"
	[ "$output" = "$(printf '%s\tsuspended\tholder abroad\t1' "$b")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmcard-suspend -j -r "holder abroad" "$c"
	[ "$output" = "{\"number\":\"$c\",\"state\":\"suspended\",\"reason\":\"holder abroad\",\"hotlisted\":true}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-suspend: the suspended card is put on the hotlist" {
	n=$(in_state active "$(p 1)")
	m=$(in_state active "$(p 2)")
	[ -z "$(hotlist)" ]
	run -0 --separate-stderr kmcard-suspend -t -r "on holiday" "$n"
	[ "$output" = "$(printf '%s\tsuspended\ton holiday\t1' "$n")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmblacklist -l -t
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "$(printf '%s\tsuspend\ton holiday\t' "$n")"* ]]
	[ -z "$stderr" ]
	[ "$(state_of "$m")" = active ]
}

@test "kmcard-suspend: helpdesk may suspend" {
	n=$(in_state active)
	km_config helpdesk
	run -0 --separate-stderr kmcard-suspend -t "$n"
	[ "$output" = "$(printf '%s\tsuspended\t\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = suspended ]
}

@test "kmcard-suspend: a reason longer than 64 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend -r "$(printf 'x%.0s' {1..65})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 1: reason: longer than 64 bytes
kmcard-suspend: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: a note longer than 128 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-suspend -n "$(printf 'x%.0s' {1..129})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 1: note: longer than 128 bytes
kmcard-suspend: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-suspend: stdin lines may end in CRLF" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	printf '%s\r\n# x\r\n\r\n%s\r\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-suspend -t < list
	[ "$output" = "$(printf '%s\tsuspended\t\t1\n%s\tsuspended\t\t1' "$a" "$b")" ]
	[ -z "$stderr" ]
}
