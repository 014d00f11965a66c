package store

import "testing"

func TestMigrations_VersionsRunFromOneEachOnce(t *testing.T) {
	all, err := Migrations()
	if err != nil {
		t.Fatalf("the embedded migrations: %v", err)
	}
	if len(all) == 0 {
		t.Fatal("no migrations embedded")
	}
	for _, tc := range []struct {
		name     string
		versions []int
		ok       bool
	}{
		{"in order", []int{1, 2, 3}, true},
		{"a number twice", []int{1, 2, 2, 3}, false},
		{"a gap", []int{1, 3}, false},
		{"not from one", []int{2, 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ms []Migration
			for _, v := range tc.versions {
				ms = append(ms, Migration{Version: v, Name: "x"})
			}
			if err := checkMigrationVersions(ms); (err == nil) != tc.ok {
				t.Errorf("checkMigrationVersions(%v) = %v, want ok=%v", tc.versions, err, tc.ok)
			}
		})
	}
}
