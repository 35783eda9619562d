#!/usr/bin/env bats
# kmdb-init: creates the store, brings it to the schema, and refuses what
# it must not touch.
load helper

# Most tests start without a store: a config only.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	km_config
}

# A test that fails while it holds the store's lock must not leave the
# locking process behind.
teardown() {
	cd "$BATS_TEST_TMPDIR" || return 0
	if [ -e locked ] && [ ! -e release ]; then
		unlock_store
	fi
}

# eq ACTUAL EXPECTED: string equality that shows both on failure.
eq() {
	[ "$1" = "$2" ] && return 0
	printf 'expected: %s\nactual:   %s\n' "$2" "$1" >&2
	return 1
}

USAGE='usage: kmdb-init [-v] [-c config]'

@test "kmdb-init: creates the store at schema version 2, in WAL mode" {
	[ ! -e km.db ]
	run -0 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" ""
	[ -f km.db ]
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 2
	eq "$(sqlite3 km.db 'PRAGMA journal_mode')" wal
	eq "$(sqlite3 km.db .tables | tr -s ' \n' '\n' | sort | paste -sd' ')" \
	    "audit ca card card_event cert counter crl holder hotlist hotlist_event hotlist_version"
	# The migration is the first audit row.
	eq "$(sqlite3 km.db 'SELECT seq, actor, action, subject, detail FROM audit')" \
	    "1|$(id -un)|store.migrate|$PWD/km.db|schema 0 -> 2"
}

@test "kmdb-init: the store it creates verifies and is usable" {
	run -0 --separate-stderr kmdb-init
	run -0 --separate-stderr kmaudit-verify -t
	eq "$(cut -f1,2 <<<"$output")" "1	1"
	run -0 --separate-stderr kmcard-status -s ordered
	eq "$output" ""
}

@test "kmdb-init: -v says what it did, and that a second run found it done" {
	run -0 --separate-stderr kmdb-init -v
	eq "$output" ""
	eq "$stderr" "kmdb-init: store '$PWD/km.db' at schema version 2"
	run -0 --separate-stderr kmdb-init -v
	eq "$output" ""
	eq "$stderr" "kmdb-init: store '$PWD/km.db' at schema version 2 already"
}

@test "kmdb-init: running again is a no-op" {
	run -0 --separate-stderr kmdb-init
	resident >/dev/null
	before=$(dump)
	run -0 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" ""
	eq "$(dump)" "$before"
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 2
	eq "$(sqlite3 km.db "SELECT count(*) FROM audit WHERE action = 'store.migrate'")" 1
}

@test "kmdb-init: migrates an empty store file (version 0) to version 2" {
	: >km.db
	run -0 --separate-stderr kmdb-init
	eq "$stderr" ""
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 2
	eq "$(sqlite3 km.db 'PRAGMA journal_mode')" wal
}

@test "kmdb-init: -c names the config, instead of \$KM_CONFIG" {
	mkdir other
	sed 's/path: km.db/path: other.db/' km.yaml >other/km.yaml
	chmod 0644 other/km.yaml
	unset KM_CONFIG
	run -0 --separate-stderr kmdb-init -c other/km.yaml
	eq "$stderr" ""
	# Relative paths are taken against the config's directory.
	[ -f other/other.db ]
	[ ! -e km.db ]
	eq "$(sqlite3 other/other.db 'PRAGMA user_version')" 2
}

@test "kmdb-init: a config that cannot be read is exit 3" {
	run -3 --separate-stderr kmdb-init -c "$PWD/nonexistent.yaml"
	eq "$output" ""
	eq "$stderr" "kmdb-init: cannot read config '$PWD/nonexistent.yaml': No such file or directory"
	[ ! -e km.db ]
}

@test "kmdb-init: -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr kmdb-init -h
	eq "$output" "$USAGE"
	eq "$stderr" ""
	[ ! -e km.db ]
}

@test "kmdb-init: -V prints the version" {
	run -0 --separate-stderr kmdb-init -V
	eq "$output" "kmdb-init (km) 0.1.0"
	eq "$stderr" ""
	[ ! -e km.db ]
}

@test "kmdb-init: an unknown option is a usage error" {
	run -2 --separate-stderr kmdb-init -x
	eq "$output" ""
	eq "${#stderr_lines[@]}" 2
	eq "${stderr_lines[0]}" "kmdb-init: invalid option -- 'x'"
	eq "${stderr_lines[1]}" "$USAGE"
	[ ! -e km.db ]
}

@test "kmdb-init: an operand is a usage error" {
	run -2 --separate-stderr kmdb-init km.db
	eq "$output" ""
	eq "$stderr" "$USAGE"
	[ ! -e km.db ]
}

@test "kmdb-init: a user without the admin role is refused, nothing created" {
	km_config clerk
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: permission denied for user '$(id -un)': needs the role admin (roles in km.yaml(5))"
	[ ! -e km.db ]
}

@test "kmdb-init: a user without the admin role does not migrate an old store" {
	: >km.db
	km_config clerk helpdesk cron device auditor
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	[[ "$stderr" == "kmdb-init: permission denied for user "*"needs the role admin"* ]]
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 0
	[ ! -s km.db ]
}

@test "kmdb-init: an unknown config key is km.yaml:LINE:COL and exit 3" {
	KM_EXTRA='stor: 1' km_config
	line=$(grep -n '^stor:' km.yaml | cut -d: -f1)
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: $PWD/km.yaml:$line:1: unknown key 'stor'"
	[ ! -e km.db ]
}

@test "kmdb-init: an unknown key in a section names it in full" {
	KM_EXTRA=$'cards:\n  iin: "900100"\n  validty_years: 3' km_config
	line=$(grep -n 'validty_years' km.yaml | cut -d: -f1)
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: $PWD/km.yaml:$line:3: unknown key 'cards.validty_years'"
	[ ! -e km.db ]
}

@test "kmdb-init: a config naming key material and writable by others is refused" {
	chmod 0666 km.yaml
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: config '$PWD/km.yaml' names key material and is writable by others"
	[ ! -e km.db ]
}

@test "kmdb-init: a store at a newer schema version is refused and left alone" {
	run -0 --separate-stderr kmdb-init
	sqlite3 km.db 'PRAGMA user_version = 99'
	before=$(dump)
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: store '$PWD/km.db' is at schema version 99, newer than these programs (2)"
	eq "$(dump)" "$before"
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 99
}

@test "kmdb-init: a store of schema version 1 gains the CA's tables" {
	sqlite3 km.db < "$KM_ROOT/lib/schema/001-register.sql"
	sqlite3 km.db 'PRAGMA user_version = 1'
	resident_v1=$(sqlite3 km.db "SELECT count(*) FROM card")
	run -0 --separate-stderr kmdb-init -v
	eq "$output" ""
	eq "$stderr" "kmdb-init: store '$PWD/km.db' at schema version 2"
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 2
	eq "$(sqlite3 km.db "SELECT detail FROM audit WHERE action = 'store.migrate'")" \
	    "schema 1 -> 2"
	eq "$(sqlite3 km.db "SELECT count(*) FROM cert")" 0
	eq "$resident_v1" 0
	run -0 --separate-stderr kmaudit-verify
}

@test "kmdb-init: a file that is not a store is refused and left alone" {
	echo 'not a database' >km.db
	cp km.db copy
	run -3 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: store '$PWD/km.db' is damaged: file is not a database"
	cmp km.db copy
}

@test "kmdb-init: a store busy with another writer is exit 4, and left alone" {
	: >km.db
	lock_store
	run -4 --separate-stderr kmdb-init
	unlock_store
	eq "$output" ""
	eq "$stderr" "kmdb-init: store '$PWD/km.db' is busy: another program is writing to it"
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 0
	eq "$(sqlite3 km.db 'SELECT count(*) FROM sqlite_schema')" 0
	# Once the other writer is done, it goes through.
	run -0 --separate-stderr kmdb-init
	eq "$(sqlite3 km.db 'PRAGMA user_version')" 2
}

@test "kmdb-init: a store that cannot be opened is a system failure, exit 5" {
	mkdir km.db
	run -5 --separate-stderr kmdb-init
	eq "$output" ""
	eq "$stderr" "kmdb-init: cannot open store '$PWD/km.db': unable to open database file"
	[ -d km.db ]
}
