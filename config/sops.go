package config

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/cmd/sops/common"
	"github.com/getsops/sops/v3/cmd/sops/formats"
	sopsconfig "github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"google.golang.org/grpc"
)

// How the Syncro API key is decrypted from SYNCRO_API_KEY_SOPS_FILE.
//
// decrypt.DataWithFormat would be the obvious call, but it fetches the data
// key with Metadata.GetDataKey, whose local key service finds age identities
// only through os.Getenv(SOPS_AGE_KEY / SOPS_AGE_KEY_FILE) and the user's
// config dir. Load must honour its getenv (and parallel tests each need
// their own key), so readSOPSKey repeats DataWithFormat's steps (load the
// store for the format, recover the data key, decrypt the tree, verify the
// MAC) with one change: the data key is recovered through keyService, which
//   - decrypts age keys with the identities read through getenv from
//     SOPS_AGE_KEY and SOPS_AGE_KEY_FILE, injected with
//     age.ParsedIdentities.ApplyToMasterKey (sops' own hook for this), and
//   - hands every other key type (PGP, AWS/GCP/Azure/HuaweiCloud KMS, Vault)
//     and age keys when getenv supplied no identity to sops' local key
//     service, which reads the process environment exactly as the sops CLI
//     does (GNUPGHOME, AWS_*, SOPS_AGE_KEY_CMD, ~/.config/sops/age/keys.txt,
//     SSH keys…); sops has no way to pass those in.
// The decrypted tree is walked directly; the cleartext file is never
// emitted, and no error text carries a decrypted value.

// The variables sops reads age identities from; Load reads them via getenv.
const (
	envAgeKey     = sopsage.SopsAgeKeyEnv     // SOPS_AGE_KEY
	envAgeKeyFile = sopsage.SopsAgeKeyFileEnv // SOPS_AGE_KEY_FILE
)

// ageIdentities are the age identities supplied through getenv.
type ageIdentities struct {
	ids  sopsage.ParsedIdentities
	from string // the variables they came from, for error messages
}

// readAgeIdentities parses SOPS_AGE_KEY and the file SOPS_AGE_KEY_FILE
// names. Errors never quote key material.
func readAgeIdentities(getenv func(string) string) (ageIdentities, []error) {
	var out ageIdentities
	var errs []error
	var from []string
	if k := strings.TrimSpace(getenv(envAgeKey)); k != "" {
		n := len(out.ids)
		if err := out.ids.Import(trimLines(k)); err != nil || len(out.ids) == n {
			errs = append(errs, &VarError{Var: envAgeKey, Err: errors.New("not a valid age identity (want AGE-SECRET-KEY-1…, one per line)")})
		} else {
			from = append(from, envAgeKey)
		}
	}
	if f := strings.TrimSpace(getenv(envAgeKeyFile)); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, &VarError{Var: envAgeKeyFile, Err: fmt.Errorf("cannot read %s: %w", f, pathErrCause(err))})
		} else {
			n := len(out.ids)
			if err := out.ids.Import(trimLines(string(b))); err != nil || len(out.ids) == n {
				errs = append(errs, &VarError{Var: envAgeKeyFile, Err: fmt.Errorf("%s holds no valid age identity (want AGE-SECRET-KEY-1… lines)", f)})
			} else {
				from = append(from, envAgeKeyFile)
			}
		}
	}
	out.from = strings.Join(from, " and ")
	return out, errs
}

// readSOPSKey decrypts file and returns the non-empty string at the dotted
// keyPath. The errors are *VarErrors naming the variable at fault. ctx
// bounds the wait: sops' key services take no context, so on cancellation
// the decryption is abandoned (its goroutine ends on its own).
func readSOPSKey(ctx context.Context, getenv func(string) string, file, keyPath string) (string, []error) {
	ids, errs := readAgeIdentities(getenv)
	if len(errs) > 0 {
		return "", errs
	}
	if err := context.Cause(ctx); err != nil {
		return "", []error{&VarError{Var: "SYNCRO_API_KEY_SOPS_FILE", Err: fmt.Errorf("cannot decrypt %s: %w", file, err)}}
	}
	type result struct {
		key string
		err error
	}
	done := make(chan result, 1)
	go func() {
		key, err := sopsKey(file, keyPath, ids)
		done <- result{key, err}
	}()
	select {
	case <-ctx.Done():
		return "", []error{&VarError{Var: "SYNCRO_API_KEY_SOPS_FILE", Err: fmt.Errorf("cannot decrypt %s: %w", file, context.Cause(ctx))}}
	case r := <-done:
		if r.err != nil {
			return "", []error{r.err}
		}
		return r.key, nil
	}
}

// sopsKey does readSOPSKey's work synchronously.
func sopsKey(file, keyPath string, ids ageIdentities) (string, error) {
	fileErr := func(format string, args ...any) error {
		return &VarError{Var: "SYNCRO_API_KEY_SOPS_FILE", Err: fmt.Errorf(format, args...)}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return "", fileErr("cannot read %s: %w", file, pathErrCause(err))
	}
	tree, err := loadSOPSTree(file, data)
	if err != nil {
		return "", fileErr("cannot parse %s: %s", file, err)
	}

	ks := &keyService{ids: ids.ids, local: keyservice.NewLocalClient()}
	dataKey, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{ks}, nil)
	if err != nil {
		return "", fileErr("cannot decrypt %s (%s)", file, ks.explain(tree.Metadata, ids.from))
	}
	cipher := aes.NewCipher()
	mac, err := tree.Decrypt(dataKey, cipher)
	if err != nil {
		return "", fileErr("cannot decrypt %s: a value does not decrypt (file corrupt or edited without sops)", file)
	}
	storedMAC, err := cipher.Decrypt(tree.Metadata.MessageAuthenticationCode, dataKey, tree.Metadata.LastModified.Format(time.RFC3339))
	if err != nil || storedMAC != mac {
		return "", fileErr("cannot decrypt %s: integrity check (MAC) failed (file corrupt or edited without sops)", file)
	}

	if len(tree.Branches) == 0 {
		return "", &VarError{Var: "SYNCRO_API_KEY_SOPS_PATH", Err: fmt.Errorf("%q not found in %s", keyPath, file)}
	}
	v, ok := lookupPath(tree.Branches[0], keyPath)
	if !ok {
		return "", &VarError{Var: "SYNCRO_API_KEY_SOPS_PATH", Err: fmt.Errorf("%q not found in %s", keyPath, file)}
	}
	s, isString := v.(string)
	s = strings.TrimSpace(s)
	switch {
	case !isString:
		return "", &VarError{Var: "SYNCRO_API_KEY_SOPS_PATH", Err: fmt.Errorf("%q in %s is %s, want a non-empty string", keyPath, file, describe(v))}
	case s == "":
		return "", &VarError{Var: "SYNCRO_API_KEY_SOPS_PATH", Err: fmt.Errorf("%q in %s is empty, want a non-empty string", keyPath, file)}
	}
	return s, nil
}

// loadSOPSTree parses data as an encrypted SOPS file, in the format its
// extension names (.yaml/.yml/.json), else as JSON and then as YAML.
func loadSOPSTree(file string, data []byte) (sops.Tree, error) {
	var tries []formats.Format
	switch strings.ToLower(filepath.Ext(file)) {
	case ".yaml", ".yml":
		tries = []formats.Format{formats.Yaml}
	case ".json":
		tries = []formats.Format{formats.Json}
	default:
		// JSON first: it is the stricter parser, and YAML would accept it too.
		tries = []formats.Format{formats.Json, formats.Yaml}
	}
	var errs []string
	for _, f := range tries {
		store := common.StoreForFormat(f, sopsconfig.NewStoresConfig())
		tree, err := store.LoadEncryptedFile(data)
		if err == nil {
			return tree, nil
		}
		what := oneLine(err.Error())
		if errors.Is(err, sops.MetadataNotFound) {
			what = "no sops metadata (not a SOPS-encrypted file?)"
		}
		errs = append(errs, fmt.Sprintf("as SOPS %s: %s", formatName(f), what))
	}
	return sops.Tree{}, errors.New(strings.Join(errs, "; "))
}

func formatName(f formats.Format) string {
	if f == formats.Json {
		return "JSON"
	}
	return "YAML"
}

// keyService is the sops key service client readSOPSKey uses; see the
// comment at the top of this file. It records failures for explain.
type keyService struct {
	ids      sopsage.ParsedIdentities
	local    keyservice.LocalClient
	failures []keyFailure
}

type keyFailure struct {
	age bool
	key string
	err error
}

// Decrypt decrypts one master key's copy of the data key.
func (k *keyService) Decrypt(ctx context.Context, req *keyservice.DecryptRequest, opts ...grpc.CallOption) (*keyservice.DecryptResponse, error) {
	ageKey := req.GetKey().GetAgeKey()
	var rsp *keyservice.DecryptResponse
	var err error
	if ageKey != nil && len(k.ids) > 0 {
		mk := &sopsage.MasterKey{Recipient: ageKey.GetRecipient(), EncryptedKey: string(req.GetCiphertext())}
		k.ids.ApplyToMasterKey(mk)
		var plain []byte
		if plain, err = mk.Decrypt(); err == nil {
			rsp = &keyservice.DecryptResponse{Plaintext: plain}
		}
	} else {
		rsp, err = k.local.Decrypt(ctx, req, opts...)
	}
	if err != nil {
		k.failures = append(k.failures, keyFailure{age: ageKey != nil, key: keyName(req.GetKey()), err: err})
	}
	return rsp, err
}

// Encrypt is not needed to read a file.
func (k *keyService) Encrypt(context.Context, *keyservice.EncryptRequest, ...grpc.CallOption) (*keyservice.EncryptResponse, error) {
	return nil, errors.New("config: the SOPS key service only decrypts")
}

// explain says, on one line, why no data key was recovered.
func (k *keyService) explain(md sops.Metadata, idsFrom string) string {
	var recipients []string
	for _, group := range md.KeyGroups {
		for _, mk := range group {
			if a, ok := mk.(*sopsage.MasterKey); ok {
				recipients = append(recipients, a.Recipient)
			}
		}
	}
	var parts []string
	if len(recipients) > 0 {
		msg := "no matching age key: set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to the identity for " + strings.Join(recipients, " or ")
		if idsFrom != "" {
			msg += "; " + idsFrom + " holds a different one"
		}
		parts = append(parts, msg)
	}
	for _, f := range k.failures {
		if !f.age {
			parts = append(parts, f.key+": "+oneLine(f.err.Error()))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no master key could decrypt the data key")
	}
	return strings.Join(parts, "; ")
}

// keyName names a non-age master key for an error message.
func keyName(key *keyservice.Key) string {
	switch {
	case key.GetPgpKey() != nil:
		return "pgp " + key.GetPgpKey().GetFingerprint()
	case key.GetKmsKey() != nil:
		return "aws kms " + key.GetKmsKey().GetArn()
	case key.GetGcpKmsKey() != nil:
		return "gcp kms " + key.GetGcpKmsKey().GetResourceId()
	case key.GetAzureKeyvaultKey() != nil:
		return "azure key vault " + key.GetAzureKeyvaultKey().GetVaultUrl() + " " + key.GetAzureKeyvaultKey().GetName()
	case key.GetVaultKey() != nil:
		return "vault " + key.GetVaultKey().GetVaultAddress() + "/" + key.GetVaultKey().GetEnginePath() + "/" + key.GetVaultKey().GetKeyName()
	case key.GetAgeKey() != nil:
		return "age " + key.GetAgeKey().GetRecipient()
	}
	return "key"
}

// lookupPath follows a dotted path through maps (by key) and lists (by
// index) of a decrypted tree.
func lookupPath(root sops.TreeBranch, path string) (any, bool) {
	var cur any = root
	for seg := range strings.SplitSeq(path, ".") {
		switch node := cur.(type) {
		case sops.TreeBranch:
			found := false
			for _, item := range node {
				if k, ok := item.Key.(string); ok && k == seg {
					cur, found = item.Value, true
					break
				}
			}
			if !found {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(node) {
				return nil, false
			}
			cur = node[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// describe names a decrypted value's kind without showing it.
func describe(v any) string {
	switch v.(type) {
	case sops.TreeBranch:
		return "a map"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case int, int64, float64:
		return "a number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

// pathErrCause drops the *fs.PathError wrapper, whose text repeats the path.
func pathErrCause(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// trimLines trims each line, as identity files are often hand-edited.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

// oneLine folds a multi-line error from sops into one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
