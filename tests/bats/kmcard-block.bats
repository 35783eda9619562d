load helper
setup() { km_setup; }
teardown() { if [ -e locked ]; then unlock_store; fi; }

# kmcard-block: a lost, stolen, damaged or misused card is blocked for good
# and put on the hotlist.

UNKNOWN=9001001000009991	# valid Luhn, never issued
BADLUHN=9001001000009992	# wrong check digit

# refused_from STATE: the card in STATE is refused, nothing changes.
refused_from() {
	local st=$1 n before
	n=$(in_state "$st")
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 1: card '$n' is $st: it cannot be blocked
kmcard-block: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(state_of "$n")" = "$st" ]
}

# allowed_from STATE: the card in STATE moves to blocked.
allowed_from() {
	local n
	n=$(in_state "$1")
	run -0 --separate-stderr kmcard-block -t -r lost "$n"
	[ "$output" = "$(printf '%s\tblocked\t%s\t%s' "$n" "lost" "1")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = blocked ]
}

@test "kmcard-block: an active card becomes blocked (human output)" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-block -r lost "$n"
	[ "$output" = "$(rec "$n" blocked "lost" yes)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = blocked ]
}

@test "kmcard-block: -t prints number, state, reason, hotlisted" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-block -t -r lost "$n"
	[ "$output" = "$(printf '%s\tblocked\t%s\t1' "$n" "lost")" ]
	[ -z "$stderr" ]
}

@test "kmcard-block: -j prints one JSON object a card" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-block -j -r lost "$n"
	[ "$output" = "{\"number\":\"$n\",\"state\":\"blocked\",\"reason\":\"lost\",\"hotlisted\":true}" ]
	[ -z "$stderr" ]
	all_json
}

@test "kmcard-block: -n note is recorded in the card's history" {
	n=$(in_state active)
	run -0 --separate-stderr kmcard-block -t -n "call of 3 May" -r lost "$n"
	[ "$output" = "$(printf '%s\tblocked\t%s\t1' "$n" "lost")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr sqlite3 km.db "SELECT e.ev, e.from_state, e.to_state, e.note FROM card_event e JOIN card c ON c.id = e.card_id WHERE c.number = '$n' ORDER BY e.id DESC LIMIT 1"
	[ "$output" = "block|active|blocked|call of 3 May" ]
}

@test "kmcard-block: several cards as operands" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -0 --separate-stderr kmcard-block -r lost "$a" "$b" "$c"
	[ "$output" = "$(rec "$a" blocked "lost" yes; echo; rec "$b" blocked "lost" yes; echo; rec "$c" blocked "lost" yes)" ]
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = blocked/blocked/blocked ]
}

@test "kmcard-block: several cards on stdin, blank lines and comments ignored" {
	a=$(in_state active "$(p 1)")
	b=$(in_state active "$(p 2)")
	printf '# from the helpdesk\n%s\n\n   \n  %s  \n# end\n' "$a" "$b" > list
	run -0 --separate-stderr kmcard-block -j -r lost < list
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "{\"number\":\"$a\",\"state\":\"blocked\",\"reason\":\"lost\",\"hotlisted\":true}" ]
	[ "${lines[1]}" = "{\"number\":\"$b\",\"state\":\"blocked\",\"reason\":\"lost\",\"hotlisted\":true}" ]
	all_json
	[ -z "$stderr" ]
	[ "$(state_of "$a")/$(state_of "$b")" = blocked/blocked ]
}

@test "kmcard-block: -h prints usage on stdout" {
	run -0 --separate-stderr kmcard-block -h
	[ "$output" = "usage: kmcard-block [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ -z "$stderr" ]
}

@test "kmcard-block: -V prints the version" {
	run -0 --separate-stderr kmcard-block -V
	[ "$output" = "kmcard-block (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmcard-block: unknown option is a usage error" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-block -x -r lost "$n"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmcard-block: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "usage: kmcard-block [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: one refused card in a list changes nothing" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state active "$(p 3)")
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost "$a" "$b" "$c"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 2: card '$b' is ordered: it cannot be blocked
kmcard-block: 1 of 3 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: -k keeps the good cards of a list" {
	a=$(in_state active "$(p 1)")
	b=$(in_state ordered "$(p 2)")
	c=$(in_state active "$(p 3)")
	run -3 --separate-stderr kmcard-block -k -t -r lost "$a" "$b" "$c"
	[ "$output" = "$(printf '%s\tblocked\t%s\t1\n%s\tblocked\t%s\t1' "$a" "lost" "$c" "lost")" ]
	[ "$stderr" = "kmcard-block: argument 2: card '$b' is ordered: it cannot be blocked
kmcard-block: 1 of 3 cards refused, 2 changed" ]
	[ "$(state_of "$a")/$(state_of "$b")/$(state_of "$c")" = blocked/ordered/blocked ]
}

@test "kmcard-block: the same card twice in a list changes nothing" {
	a=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost "$a" "$a"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 2: card '$a' is blocked: it cannot be blocked
kmcard-block: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: a bad card number on stdin names its line" {
	a=$(in_state active "$(p 1)")
	printf '%s\n# next\n\n%s\n' "$a" "$BADLUHN" > list
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: <stdin>:4: card number '$BADLUHN': bad check digit
kmcard-block: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: a card number that is not 16 digits is bad data" {
	a=$(in_state active "$(p 1)")
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost "$a" 9001-0010-0000-0016
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 2: card number '9001-0010-0000-0016': not 16 digits
kmcard-block: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: an unknown card is not found (exit 1)" {
	a=$(in_state active "$(p 1)")
	before=$(dump)
	run -1 --separate-stderr kmcard-block -r lost "$a" "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 2: no card '$UNKNOWN'
kmcard-block: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: an unknown card on stdin names its line" {
	printf '\n%s\n' "$UNKNOWN" > list
	before=$(dump)
	run -1 --separate-stderr kmcard-block -r lost < list
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: <stdin>:2: no card '$UNKNOWN'
kmcard-block: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: bad data outranks not found in the exit status" {
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost "$UNKNOWN" "$BADLUHN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 1: no card '$UNKNOWN'
kmcard-block: argument 2: card number '$BADLUHN': bad check digit
kmcard-block: 2 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: a clerk may run it" {
	n=$(in_state active)
	km_config clerk
	run -0 --separate-stderr kmcard-block -t -r lost "$n"
	[ "$output" = "$(printf '%s\tblocked\t%s\t1' "$n" "lost")" ]
	[ -z "$stderr" ]
}

@test "kmcard-block: a user without a role for it is refused" {
	n=$(in_state active)
	km_config auditor cron device
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r lost "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: permission denied for user '$(id -un)': needs the role clerk or helpdesk or admin (roles in km.yaml(5))" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: a store locked by another writer is temporary (exit 4)" {
	n=$(in_state active)
	before=$(dump)
	lock_store
	run -4 --separate-stderr kmcard-block -r lost "$n"
	unlock_store
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: store '$PWD/km.db' is busy: another program is writing to it" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: a missing store is a config error (exit 3)" {
	rm km.db
	run -3 --separate-stderr kmcard-block -r lost "$UNKNOWN"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)" ]
	[ ! -e km.db ]
}

@test "kmcard-block: a failing read of stdin is a system error (exit 5)" {
	before=$(dump)
	run -5 --separate-stderr kmcard-block -r lost < .
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: read from stdin failed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: a failing write to stdout is a system error (exit 5)" {
	n=$(in_state active)
	run -5 --separate-stderr sh -c 'kmcard-block -r lost "$1" >/dev/full' sh "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: write to stdout: No space left on device" ]
}

# The transition table: block leads from personalised, active and
# suspended.
@test "kmcard-block: allowed from personalised" { allowed_from personalised; }
@test "kmcard-block: allowed from active" { allowed_from active; }
@test "kmcard-block: allowed from suspended" { allowed_from suspended; }
@test "kmcard-block: refused from ordered" { refused_from ordered; }
@test "kmcard-block: refused from blocked" { refused_from blocked; }
@test "kmcard-block: refused from replaced" { refused_from replaced; }
@test "kmcard-block: refused from expired" { refused_from expired; }
@test "kmcard-block: refused from revoked" { refused_from revoked; }

# block_for REASON: blocking for REASON is accepted and recorded.
block_for() {
	local n
	n=$(in_state active)
	run -0 --separate-stderr kmcard-block -r "$1" "$n"
	[ "$output" = "$(rec "$n" blocked "$1" yes)" ]
	[ -z "$stderr" ]
	[ "$(sqlite3 km.db "SELECT state || ' ' || reason FROM card WHERE number = '$n'")" = "blocked $1" ]
}

# block_refused REASON: blocking for REASON is bad data.
block_refused() {
	local n before
	n=$(in_state active)
	before=$(dump)
	run -3 --separate-stderr kmcard-block -r "$1" "$n"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-block: argument 1: block reason '$1': not one of lost, stolen, damaged, fraud
kmcard-block: 1 of 1 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: reason lost is accepted" { block_for lost; }
@test "kmcard-block: reason stolen is accepted" { block_for stolen; }
@test "kmcard-block: reason damaged is accepted" { block_for damaged; }
@test "kmcard-block: reason fraud is accepted" { block_for fraud; }
@test "kmcard-block: reason LOST is refused" { block_refused LOST; }
@test "kmcard-block: reason theft is refused" { block_refused theft; }
@test "kmcard-block: reason 'lost ' is refused" { block_refused "lost "; }
@test "kmcard-block: an empty reason is refused" { block_refused ""; }

@test "kmcard-block: -r is required" {
	n=$(in_state active)
	before=$(dump)
	run -2 --separate-stderr kmcard-block "$n"
	[ -z "$output" ]
	[ "$stderr" = "usage: kmcard-block [-jkt] [-c config] [-n note] -r reason [card ...]" ]
	[ "$(dump)" = "$before" ]
}

@test "kmcard-block: the blocked card is put on the hotlist" {
	n=$(in_state active "$(p 1)")
	m=$(in_state active "$(p 2)")
	run -0 --separate-stderr kmcard-block -t -r damaged "$n"
	[ "$output" = "$(printf '%s\tblocked\tdamaged\t1' "$n")" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmblacklist -l -t
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == "$(printf '%s\tblock\tdamaged\t' "$n")"* ]]
	[ -z "$stderr" ]
}

@test "kmcard-block: a card blocked while suspended stays listed" {
	n=$(in_state suspended)
	[ "$(hotlist)" = "$(printf '%s\tsuspend\t' "$n")" ]
	run -0 --separate-stderr kmcard-block -t -r stolen "$n"
	[ "$output" = "$(printf '%s\tblocked\tstolen\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(hotlist)" = "$(printf '%s\tblock\tstolen' "$n")" ]
}

@test "kmcard-block: helpdesk may block" {
	n=$(in_state active)
	km_config helpdesk
	run -0 --separate-stderr kmcard-block -t -r lost "$n"
	[ "$output" = "$(printf '%s\tblocked\tlost\t1' "$n")" ]
	[ -z "$stderr" ]
	[ "$(state_of "$n")" = blocked ]
}
