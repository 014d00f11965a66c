package subscriptions

// go test ./... -update rewrites the golden files (package golden).
import _ "github.com/syncrobot/syncrobot/golden"
