load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-resume: a suspended card is active again and off the hotlist.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit

# refused_from STATE: the card in STATE is refused, nothing changes.
refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 1: card '$n' is $st: it cannot be resumed
kmcard-resume: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

# allowed_from STATE: the card in STATE moves to active.
allowed_from() {
	local n
	n=$(in_state "$1")
	run -0 --separate-stderr kmcard-resume -t  "$n"
	[ "$output" = "$(printf '%s\tactive\t%s\t%s' "$n" "" "0")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = active ]
}

@test "kmcard-resume: a suspended card becomes active (human output)" {
	n=$(in_state suspended)
	run -0 --separate-stderr kmcard-resume  "$n"
	[ "$output" = "$(rec "$n" active "" no)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = active ]
}

@test "kmcard-resume: -t prints number, state, reason, hotlisted" {
	n=$(in_state suspended)
	run -0 --separate-stderr kmcard-resume -t  "$n"
	[ "$output" = "$(printf '%s\tactive\t%s\t0' "$n" "")" ]
	[ -z "$stderr" ]
}

@test "kmcard-resume: -j prints one JSON object a card" {
	n=$(in_state suspended)
	run -0 --separate-stderr kmcard-resume -j  "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"active\",\"reason\":null,\"hotlisted\":false}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-resume: -n note is recorded in the card's history" {
	n=$(in_state suspended)
	run -0 --separate-stderr kmcard-resume -t -n "call of 3 May"  "$n"
	[ "$output" = "$(printf '%s\tactive\t%s\t0' "$n" "")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.from_state, e.to_state, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "resume|suspended|active|call of 3 May" ]
}

@test "kmcard-resume: several cards as operands" {
	a=$(in_state suspended "$(p 1)")
	b=$(in_state suspended "$(p 2)")
	c=$(in_state suspended "$(p 3)")
	run -0 --separate-stderr kmcard-resume  "$a" "$b" "$c"
	[ "$output" = "$(rec "$a" active "" no; echo; rec "$b" active "" no; echo; rec "$c" active "" no)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = active/active/active ]
}

@test "kmcard-resume: several cards on stdin, blank lines and comments ignored" {
	a=$(in_state suspended "$(p 1)")
	b=$(in_state suspended "$(p 2)")
	printf '# from the helpdesk\n%s\n\n   \n  %s  \n# end\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-resume -j  < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"active\",\"reason\":null,\"hotlisted\":false}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"active\",\"reason\":null,\"hotlisted\":false}" ]
	all_json
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")" = active/active ]
}

@test "kmcard-resume: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-resume -h
	[ "$output" = "usage: kmcard-resume [-jkt] [-c config] [-n note] [-r reason] [card ...]" ]
	[ -z "$stderr" ]
}

@test "kmcard-resume: -V prints the version" {
	run -0 --separate-stderr kmcard-resume -V
	[ "$output" = "kmcard-resume (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmcard-resume: unknown option is a usage error" {
	n=$(in_state suspended)
	before=$(dump)
	run -2 --separate-stderr kmcard-resume -x  "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-resume: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-resume [-jkt] [-c config] [-n note] [-r reason] [card ...]" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: one refused card in a list changes nothing" {
	a=$(in_state suspended "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state suspended "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 2: card '$b' is active: it cannot be resumed
kmcard-resume: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: -k keeps the good cards of a list" {
	a=$(in_state suspended "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state suspended "$(p 3)")
	run -3 --separate-stderr kmcard-resume -k -t  "$a" "$b" "$c"
	[ "$output" = "$(printf '%s\tactive\t%s\t0\n%s\tactive\t%s\t0' "$a" "" "$c" "")" ]
	[ "$stderr" = "kmcard-resume: argument 2: card '$b' is active: it cannot be resumed
kmcard-resume: 1 of 3 cards refused, 2 changed" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = active/active/active ]
}

@test "kmcard-resume: the same card twice in a list changes nothing" {
	a=$(in_state suspended)
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  "$a" "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 2: card '$a' is active: it cannot be resumed
kmcard-resume: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: a bad card number on stdin names its line" {
	a=$(in_state suspended "$(p 1)")
	printf '%s\n# next\n\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: <stdin>:4: card number '$BADLUHN': bad check digit
kmcard-resume: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: a card number that is not 16 digits is bad data" {
	a=$(in_state suspended "$(p 1)")
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  "$a" 9001-0010-0000-0016
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 2: card number '9001-0010-0000-0016': not 16 digits
kmcard-resume: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: an unknown card is not found (exit 1)" {
	a=$(in_state suspended "$(p 1)")
	before=$(dump)
	run -1 --separate-stderr kmcard-resume  "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 2: no card '$UNKNOWN'
kmcard-resume: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: an unknown card on stdin names its line" {
	printf '\n%s\n' "$UNKNOWN" > list
	before=$(dump)
	run -1 --separate-stderr kmcard-resume  < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: <stdin>:2: no card '$UNKNOWN'
kmcard-resume: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: bad data outranks not found in the exit status" {
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  "$UNKNOWN" "$BADLUHN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 1: no card '$UNKNOWN'
kmcard-resume: argument 2: card number '$BADLUHN': bad check digit
kmcard-resume: 2 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: a clerk may run it" {
	n=$(in_state suspended)
	km_config clerk
	run -0 --separate-stderr kmcard-resume -t  "$n"
	[ "$output" = "$(printf '%s\tactive\t%s\t0' "$n" "")" ]
	[ -z "$stderr" ]
}

@test "kmcard-resume: a user without a role for it is refused" {
	n=$(in_state suspended)
	km_config auditor cron device
	before=$(dump)
	run -3 --separate-stderr kmcard-resume  "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: permission denied for user '$(id -un)': needs the role clerk or helpdesk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state suspended)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-resume  "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-resume  "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-resume: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmcard-resume  < .
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-resume: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state suspended)
	run -5 --separate-stderr sh -c 'kmcard-resume  "$1" >/dev/full' sh "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: write to stdout: No space left on device" ]
}

# The transition table: resume leads from suspended only.
@test "kmcard-resume: allowed from suspended" { allowed_from suspended; }
@test "kmcard-resume: refused from ordered" { refused_from ordered; }
@test "kmcard-resume: refused from personalised" { refused_from personalised; }
@test "kmcard-resume: refused from active" { refused_from active; }
@test "kmcard-resume: refused from blocked" { refused_from blocked; }
@test "kmcard-resume: refused from replaced" { refused_from replaced; }
@test "kmcard-resume: refused from expired" { refused_from expired; }
@test "kmcard-resume: refused from revoked" { refused_from revoked; }

@test "kmcard-resume: -r gives the reason" {
	n=$(in_state suspended)
	run -0 --separate-stderr kmcard-resume -j -r "holder back" "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"active\",\"reason\":\"holder back\",\"hotlisted\":false}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-resume: the resumed card is taken off the hotlist" {
	n=$(in_state suspended "$(p 1)")
	m=$(in_state suspended "$(p 2)")
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t\n%s\tsuspend\t' "$n" "$m")" ]
	run -0 --separate-stderr kmcard-resume "$n"
	[ "$output" = "$(rec "$n" active "" no)" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t' "$m")" ]
}

@test "kmcard-resume: a card blocked while suspended is not resumed and stays listed" {
	n=$(in_state suspended)
	kmcard-block -r stolen "$n" >/dev/null
	[ "$(hotlist)" = "$(printf '%s\tblock\tstolen' "$n")" ]
	before=$(dump)
	run -3 --separate-stderr kmcard-resume "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 1: card '$n' is blocked: it cannot be resumed
kmcard-resume: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(hotlist)" = "$(printf '%s\tblock\tstolen' "$n")" ]
}

@test "kmcard-resume: helpdesk may resume" {
	n=$(in_state suspended)
	km_config helpdesk
	run -0 --separate-stderr kmcard-resume -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$n")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = active ]
}

@test "kmcard-resume: a card an admin listed before its suspension stays listed" {
	n=$(in_state active)
	kmblacklist -a -r "police report" "$n" >/dev/null
	kmcard-suspend "$n" >/dev/null
	[ "$(hotlist)" = "$(printf '%s\tsuspend\tpolice report' "$n")" ]
	run -0 --separate-stderr kmcard-resume -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tadmin\tpolice report' "$n")" ]
}

@test "kmcard-resume: a card an admin listed while suspended stays listed" {
	n=$(in_state suspended)
	kmblacklist -a -r "inquiry 17/2026" "$n" >/dev/null
	run -0 --separate-stderr kmcard-resume -t "$n"
	[ "$output" = "$(printf '%s\tactive\t\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist | cut -f1,2)" = "$(printf '%s\tadmin' "$n")" ]
}
