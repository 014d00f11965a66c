package account

// go test ./... -update rewrites the golden files (README); this package
// has none, but its test binary must accept the flag (package golden).
import _ "github.com/syncrobot/syncrobot/golden"
