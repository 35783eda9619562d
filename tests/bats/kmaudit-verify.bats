#!/usr/bin/env bats
# kmaudit-verify: walks the hash-chained audit rows and names the first one
# that does not verify.
load helper

# The hash of the newest audit row, as an auditor would keep it.
tip() { sqlite3 km.db 'SELECT hash FROM audit ORDER BY seq DESC LIMIT 1'; }

setup() { km_setup; }

# A test that fails while it holds the store's lock must not leave the
# locking process behind.
teardown() {
	cd "$BATS_TEST_TMPDIR" || return 0
	if [ -e locked ] && [ ! -e release ]; then
		unlock_store
	fi
}

USAGE='usage: kmaudit-verify [-jt] [-a seq:hash] [-c config]'

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

rows() {
	sqlite3 km.db 'SELECT count(*) FROM audit'
}

# Five audit rows: the migration, then a resident's and an entrepreneur's
# holder and card.
five() {
	resident >/dev/null
	entrepreneur >/dev/null
	eq "$(rows)" 5
}

# ------------------------------------------------------------ a good chain

@test "kmaudit-verify: a fresh store verifies, human output" {
	run -0 --separate-stderr kmaudit-verify
	eq "$stderr" ""
	eq "$output" "ok          yes
rows        1
hash        $(tip)"
}

@test "kmaudit-verify: a fresh store verifies, -t" {
	run -0 --separate-stderr kmaudit-verify -t
	eq "$stderr" ""
	eq "$output" "1	1		$(tip)"
}

@test "kmaudit-verify: a fresh store verifies, -j" {
	run -0 --separate-stderr kmaudit-verify -j
	eq "$stderr" ""
	eq "$output" "{\"ok\":true,\"rows\":1,\"bad\":null,\"hash\":\"$(tip)\"}"
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c '[.ok, .rows]' <<<"$output")" '[true,1]'
}

@test "kmaudit-verify: the row count grows as cards are issued and moved" {
	resident >/dev/null
	run -0 --separate-stderr kmaudit-verify -t
	eq "$output" "1	3		$(tip)"
	entrepreneur >/dev/null
	run -0 --separate-stderr kmaudit-verify -t
	eq "$output" "1	5		$(tip)"
	n=$(active "$(pesel 600101 1111)")
	kmcard-block -r lost "$n" >/dev/null
	run -0 --separate-stderr kmaudit-verify -j
	eq "$stderr" ""
	eq "$output" "{\"ok\":true,\"rows\":$(rows),\"bad\":null,\"hash\":\"$(tip)\"}"
	jq -e . <<<"$output" >/dev/null
	# holder, order, bind, personalise, activate, block, hotlist.add
	eq "$(rows)" 12
	run -0 --separate-stderr kmaudit-verify
	eq "$output" "ok          yes
rows        12
hash        $(tip)"
}

@test "kmaudit-verify: only reads: the store is the same afterwards" {
	five
	before=$(dump)
	run -0 --separate-stderr kmaudit-verify
	eq "$(dump)" "$before"
}

@test "kmaudit-verify: a store busy with a writer can still be verified" {
	five
	lock_store
	run -0 --separate-stderr kmaudit-verify -t
	unlock_store
	eq "$stderr" ""
	eq "$output" "1	5		$(tip)"
}

# ---------------------------------------------------------------- tampering

@test "kmaudit-verify: a changed row is found, human output, exit 1" {
	five
	sqlite3 km.db "DROP TRIGGER audit_no_update; UPDATE audit SET detail='x' WHERE seq=2"
	run -1 --separate-stderr kmaudit-verify
	eq "$output" "ok          no
rows        1
bad         2"
	eq "$stderr" "kmaudit-verify: audit row 2 does not verify: its content was changed"
}

@test "kmaudit-verify: a changed row is found, -t and -j" {
	five
	sqlite3 km.db "DROP TRIGGER audit_no_update; UPDATE audit SET detail='x' WHERE seq=2"
	run -1 --separate-stderr kmaudit-verify -t
	eq "$output" "0	1	2	"
	eq "$stderr" "kmaudit-verify: audit row 2 does not verify: its content was changed"
	run -1 --separate-stderr kmaudit-verify -j
	eq "$output" '{"ok":false,"rows":1,"bad":2,"hash":null}'
	jq -e . <<<"$output" >/dev/null
	eq "$(jq -c '[.ok, .rows, .bad]' <<<"$output")" '[false,1,2]'
	eq "$stderr" "kmaudit-verify: audit row 2 does not verify: its content was changed"
}

@test "kmaudit-verify: a change to any field of a row is found" {
	five
	sqlite3 km.db "DROP TRIGGER audit_no_update"
	cp km.db good.db
	for f in "at = '2020-01-01T00:00:00Z'" "actor = 'mallory'" \
	    "action = 'card.revoke'" "subject = '9001001000000024'" \
	    "detail = detail || ' '"; do
		cp good.db km.db
		sqlite3 km.db "UPDATE audit SET $f WHERE seq = 4"
		run -1 --separate-stderr kmaudit-verify -t
		eq "$output" "0	3	4	"
		eq "$stderr" "kmaudit-verify: audit row 4 does not verify: its content was changed"
	done
}

@test "kmaudit-verify: a row whose link to the row before was changed is found" {
	five
	# Row 4 claims to follow row 1: the chain breaks at row 4.
	sqlite3 km.db "DROP TRIGGER audit_no_update;
	    UPDATE audit SET prev = (SELECT hash FROM audit WHERE seq = 1) WHERE seq = 4"
	run -1 --separate-stderr kmaudit-verify -t
	eq "$output" "0	3	4	"
	eq "$stderr" "kmaudit-verify: audit row 4 does not verify: it does not follow row 3"
}

@test "kmaudit-verify: a deleted middle row is named as missing" {
	five
	sqlite3 km.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq=2"
	run -1 --separate-stderr kmaudit-verify
	eq "$output" "ok          no
rows        1
bad         2"
	eq "$stderr" "kmaudit-verify: audit row 2 is missing (next row is 3)"
	run -1 --separate-stderr kmaudit-verify -j
	eq "$output" '{"ok":false,"rows":1,"bad":2,"hash":null}'
	jq -e . <<<"$output" >/dev/null
	eq "$stderr" "kmaudit-verify: audit row 2 is missing (next row is 3)"
}

@test "kmaudit-verify: the first row deleted is named as missing" {
	five
	sqlite3 km.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq=1"
	run -1 --separate-stderr kmaudit-verify -t
	eq "$output" "0	0	1	"
	eq "$stderr" "kmaudit-verify: audit row 1 is missing (next row is 2)"
}

@test "kmaudit-verify: the audit rows cannot be changed while the triggers stand" {
	five
	before=$(dump)
	run ! sqlite3 km.db "UPDATE audit SET detail='x' WHERE seq=2"
	[[ "$output" == *"audit rows are append-only"* ]]
	run ! sqlite3 km.db "DELETE FROM audit WHERE seq=2"
	[[ "$output" == *"audit rows are append-only"* ]]
	eq "$(dump)" "$before"
	run -0 --separate-stderr kmaudit-verify -t
	eq "$output" "1	5		$(tip)"
}

# --------------------------------------------------------------------- roles

@test "kmaudit-verify: a user with only the clerk role is refused" {
	km_config clerk
	run -3 --separate-stderr kmaudit-verify
	eq "$output" ""
	eq "$stderr" "kmaudit-verify: permission denied for user '$(id -un)': needs the role admin or cron or auditor (roles in km.yaml(5))"
}

@test "kmaudit-verify: helpdesk and device are refused too" {
	km_config helpdesk device
	run -3 --separate-stderr kmaudit-verify -j
	eq "$output" ""
	[[ "$stderr" == "kmaudit-verify: permission denied for user "* ]]
}

@test "kmaudit-verify: the auditor role may verify" {
	five
	km_config auditor
	run -0 --separate-stderr kmaudit-verify -t
	eq "$stderr" ""
	eq "$output" "1	5		$(tip)"
}

@test "kmaudit-verify: admin and cron may verify" {
	for r in admin cron; do
		km_config "$r"
		run -0 --separate-stderr kmaudit-verify -t
		eq "$stderr" ""
		eq "$output" "1	1		$(tip)"
	done
}

# ------------------------------------------------------------ the environment

@test "kmaudit-verify: a missing store is exit 3, naming kmdb-init" {
	rm -f km.db km.db-wal km.db-shm
	run -3 --separate-stderr kmaudit-verify
	eq "$output" ""
	eq "$stderr" "kmaudit-verify: cannot open store '$PWD/km.db': No such file or directory (create it with kmdb-init)"
	[ ! -e km.db ]
}

@test "kmaudit-verify: a store at another schema version is exit 3" {
	sqlite3 km.db 'PRAGMA user_version = 99'
	run -3 --separate-stderr kmaudit-verify
	eq "$output" ""
	eq "$stderr" "kmaudit-verify: store '$PWD/km.db' is at schema version 99, these programs need 2 (run kmdb-init)"
}

@test "kmaudit-verify: a store that cannot be opened is exit 5" {
	rm -f km.db km.db-wal km.db-shm
	mkdir km.db
	run -5 --separate-stderr kmaudit-verify
	eq "$output" ""
	[[ "$stderr" == "kmaudit-verify: cannot open store '$PWD/km.db': "* ]]
	eq "${#stderr_lines[@]}" 1
}

@test "kmaudit-verify: a config with an unknown key is exit 3, file:line:col" {
	KM_EXTRA=$'blacklist:\n  max_ad: 5' km_config
	run -3 --separate-stderr kmaudit-verify
	eq "$output" ""
	line=$(grep -n '^blacklist:' km.yaml | tail -1 | cut -d: -f1)
	eq "$stderr" "kmaudit-verify: $PWD/km.yaml:$line:1: duplicate key 'blacklist'"
	KM_EXTRA='audit: {}' km_config
	line=$(grep -n '^audit:' km.yaml | cut -d: -f1)
	run -3 --separate-stderr kmaudit-verify
	eq "$output" ""
	eq "$stderr" "kmaudit-verify: $PWD/km.yaml:$line:1: unknown key 'audit'"
}

@test "kmaudit-verify: -c names the config" {
	unset KM_CONFIG
	run -0 --separate-stderr kmaudit-verify -t -c km.yaml
	eq "$stderr" ""
	eq "$output" "1	1		$(tip)"
}

# -------------------------------------------------------------------- options

@test "kmaudit-verify: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr kmaudit-verify -h
	eq "$output" "$USAGE"
	eq "$stderr" ""
}

@test "kmaudit-verify: -V prints the version" {
	run -0 --separate-stderr kmaudit-verify -V
	eq "$output" "kmaudit-verify (km) 0.1.0"
	eq "$stderr" ""
}

@test "kmaudit-verify: an unknown option is a usage error" {
	run -2 --separate-stderr kmaudit-verify -x
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmaudit-verify: invalid option -- 'x'"
	eq "${stderr_lines[1]}" "$USAGE"
}

@test "kmaudit-verify: an operand is a usage error" {
	run -2 --separate-stderr kmaudit-verify km.db
	eq "$output" ""
	eq "$stderr" "$USAGE"
}

# ------------------------------------------------------------ anchors

@test "kmaudit-verify: an anchor kept from an earlier run still matches" {
	resident >/dev/null
	anchor="$(rows):$(tip)"
	kmcard-suspend "$(active "$(pesel 800101 0001)")" >/dev/null
	run -0 --separate-stderr kmaudit-verify -t -a "$anchor"
	eq "$stderr" ""
	eq "$output" "1	$(rows)		$(tip)"
}

@test "kmaudit-verify: rows cut from the end are found by the anchor, exit 1" {
	resident >/dev/null
	active "$(pesel 800101 0001)" >/dev/null
	anchor="$(rows):$(tip)"
	n=$(rows)
	sqlite3 km.db "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > $((n - 2))"
	run -0 --separate-stderr kmaudit-verify -t
	run -1 --separate-stderr kmaudit-verify -t -a "$anchor"
	eq "$output" "0	$((n - 2))	$((n - 1))	"
	eq "$stderr" "kmaudit-verify: the chain ends at row $((n - 2)), before the anchor row $n: rows were removed"
}

@test "kmaudit-verify: a chain rewritten up to the anchor row is found, exit 1" {
	resident >/dev/null
	anchor="$(rows):$(printf '%064d' 0)"
	run -1 --separate-stderr kmaudit-verify -t -a "$anchor"
	eq "$output" "0	$(rows)	$(rows)	"
	eq "$stderr" "kmaudit-verify: audit row $(rows) does not match the anchor: the chain was rewritten"
}

@test "kmaudit-verify: a malformed anchor is a usage error" {
	for a in 1 x:y "0:$(tip)" "1:$(tip)x" "1:$(tip | tr a-f A-F)"; do
		run -2 --separate-stderr kmaudit-verify -a "$a"
		eq "$output" ""
		eq "${stderr_lines[0]}" "kmaudit-verify: -a '$a': not seq:hash"
	done
}
