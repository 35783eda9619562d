load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-revoke: a card is withdrawn for good and put on the hotlist.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit

# refused_from STATE: the card in STATE is refused, nothing changes.
refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 1: card '$n' is $st: it cannot be revoked
kmcard-revoke: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

# allowed_from STATE: the card in STATE moves to revoked.
allowed_from() {
	local n
	n=$(in_state "$1")
	run -0 --separate-stderr kmcard-revoke -t -r fraud "$n"
	[ "$output" = "$(printf '%s\trevoked\t%s\t%s' "$n" "fraud" "1")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = revoked ]
}

@test "kmcard-revoke: an active card becomes revoked (human output)" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-revoke -r fraud "$n"
	[ "$output" = "$(rec "$n" revoked "fraud" yes)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = revoked ]
}

@test "kmcard-revoke: -t prints number, state, reason, hotlisted" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-revoke -t -r fraud "$n"
	[ "$output" = "$(printf '%s\trevoked\t%s\t1' "$n" "fraud")" ]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: -j prints one JSON object a card" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-revoke -j -r fraud "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"revoked\",\"reason\":\"fraud\",\"hotlisted\":true}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-revoke: -n note is recorded in the card's history" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-revoke -t -n "call of 3 May" -r fraud "$n"
	[ "$output" = "$(printf '%s\trevoked\t%s\t1' "$n" "fraud")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.from_state, e.to_state, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "revoke|active|revoked|call of 3 May" ]
}

@test "kmcard-revoke: several cards as operands" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -0 --separate-stderr kmcard-revoke -r fraud "$a" "$b" "$c"
	[ "$output" = "$(rec "$a" revoked "fraud" yes; echo; rec "$b" revoked "fraud" yes; echo; rec "$c" revoked "fraud" yes)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = revoked/revoked/revoked ]
}

@test "kmcard-revoke: several cards on stdin, blank lines and comments ignored" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	printf '# from the helpdesk\n%s\n\n   \n  %s  \n# end\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-revoke -j -r fraud < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"revoked\",\"reason\":\"fraud\",\"hotlisted\":true}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"revoked\",\"reason\":\"fraud\",\"hotlisted\":true}" ]
	all_json
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")" = revoked/revoked ]
}

@test "kmcard-revoke: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-revoke -h
	[ "$output" = "usage: kmcard-revoke [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: -V prints the version" {
	run -0 --separate-stderr kmcard-revoke -V
	[ "$output" = "kmcard-revoke (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: unknown option is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-revoke -x -r fraud "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-revoke: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-revoke [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: one refused card in a list changes nothing" {
	a=$(in_state active "$(p 1)")
	b=$(in_state revoked "$(p 2)")
	c=$(in_state active "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 2: card '$b' is revoked: it cannot be revoked
kmcard-revoke: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: -k keeps the good cards of a list" {
	a=$(in_state active "$(p 1)")
	b=$(in_state revoked "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -3 --separate-stderr kmcard-revoke -k -t -r fraud "$a" "$b" "$c"
	[ "$output" = "$(printf '%s\trevoked\t%s\t1\n%s\trevoked\t%s\t1' "$a" "fraud" "$c" "fraud")" ]
	[ "$stderr" = "kmcard-revoke: argument 2: card '$b' is revoked: it cannot be revoked
kmcard-revoke: 1 of 3 cards refused, 2 changed" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = revoked/revoked/revoked ]
}

@test "kmcard-revoke: the same card twice in a list changes nothing" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$a" "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 2: card '$a' is revoked: it cannot be revoked
kmcard-revoke: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a bad card number on stdin names its line" {
	a=$(in_state active "$(p 1)")
	printf '%s\n# next\n\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: <stdin>:4: card number '$BADLUHN': bad check digit
kmcard-revoke: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a card number that is not 16 digits is bad data" {
	a=$(in_state active "$(p 1)")
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$a" 9001-0010-0000-0016
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 2: card number '9001-0010-0000-0016': not 16 digits
kmcard-revoke: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: an unknown card is not found (exit 1)" {
	a=$(in_state active "$(p 1)")
	before=$(dump)
	run -1 --separate-stderr kmcard-revoke -r fraud "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 2: no card '$UNKNOWN'
kmcard-revoke: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: an unknown card on stdin names its line" {
	printf '\n%s\n' "$UNKNOWN" > list
	before=$(dump)
	run -1 --separate-stderr kmcard-revoke -r fraud < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: <stdin>:2: no card '$UNKNOWN'
kmcard-revoke: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: bad data outranks not found in the exit status" {
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$UNKNOWN" "$BADLUHN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 1: no card '$UNKNOWN'
kmcard-revoke: argument 2: card number '$BADLUHN': bad check digit
kmcard-revoke: 2 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a clerk may run it" {
	n=$(in_state active)
	km_config clerk
	run -0 --separate-stderr kmcard-revoke -t -r fraud "$n"
	[ "$output" = "$(printf '%s\trevoked\t%s\t1' "$n" "fraud")" ]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: a user without a role for it is refused" {
	n=$(in_state active)
	km_config helpdesk auditor cron device
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state active)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-revoke -r fraud "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-revoke -r fraud "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-revoke: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmcard-revoke -r fraud < .
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state active)
	run -5 --separate-stderr sh -c 'kmcard-revoke -r fraud "$1" >/dev/full' sh "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: write to stdout: No space left on device" ]
}

# The transition table: revoke leads from every state but the final ones.
@test "kmcard-revoke: allowed from ordered" { allowed_from ordered; }
@test "kmcard-revoke: allowed from personalised" { allowed_from personalised; }
@test "kmcard-revoke: allowed from active" { allowed_from active; }
@test "kmcard-revoke: allowed from suspended" { allowed_from suspended; }
@test "kmcard-revoke: allowed from blocked" { allowed_from blocked; }
@test "kmcard-revoke: refused from replaced" { refused_from replaced; }
@test "kmcard-revoke: refused from expired" { refused_from expired; }
@test "kmcard-revoke: refused from revoked" { refused_from revoked; }

@test "kmcard-revoke: -r is required" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-revoke "$n"
	[ -z "$output" ]
	[ "$stderr" = "usage: kmcard-revoke [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: an empty reason is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r "" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 1: revoking card '$n' needs a reason
kmcard-revoke: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: a reason longer than 64 bytes is refused" {
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r "$(printf 'x%.0s' {1..65})" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: argument 1: reason: longer than 64 bytes
kmcard-revoke: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-revoke: any non-empty reason is accepted" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-revoke -t -r "holder deceased" "$n"
	[ "$output" = "$(printf '%s\trevoked\tholder deceased\t1' "$n")" ]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: the revoked card is put on the hotlist" {
	n=$(in_state active "$(p 1)")
	m=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmcard-revoke -r fraud "$n"
	[ "$output" = "$(rec "$n" revoked fraud yes)" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmblacklist -l -t
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "$(printf '%s\trevoke\tfraud\t' "$n")"* ]]
	[ -z "$stderr" ]
}

@test "kmcard-revoke: a blocked card revoked stays listed" {
	n=$(in_state blocked)
	[ "$(hotlist)" = "$(printf '%s\tblock\tlost' "$n")" ]
	run -0 --separate-stderr kmcard-revoke -t -r fraud "$n"
	[ "$output" = "$(printf '%s\trevoked\tfraud\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\trevoke\tfraud' "$n")" ]
}

@test "kmcard-revoke: helpdesk may not revoke" {
	n=$(in_state active)
	km_config helpdesk
	before=$(dump)
	run -3 --separate-stderr kmcard-revoke -r fraud "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-revoke: permission denied for user '$(id -un)': needs the role clerk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}
