package validate

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// UserDataMaxBytes is JD Cloud's limit on a launch script before base64.
const UserDataMaxBytes = 16 * 1024

// InstanceNameRule is the VM naming rule in the words the messages use.
const InstanceNameRule = "2 to 128 characters: letters, digits, Chinese characters, underscore (_), hyphen (-) and dot (.), not starting or ending with a dot"

// CheckInstanceName applies JD Cloud's instance naming rule (which, unlike
// the rule for network resources, allows dots and 128 characters).
func CheckInstanceName(s string) error {
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 128 {
		return fmt.Errorf("is %d characters long; it must be 2 to 128", n)
	}
	if strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") {
		return fmt.Errorf("must not start or end with a dot")
	}
	for i, r := range []rune(s) {
		if !nameRune(r) && r != '.' {
			return fmt.Errorf("contains %q at position %d; only letters, digits, Chinese characters, underscore (_), hyphen (-) and dot (.) are allowed", r, i+1)
		}
	}
	return nil
}

// InstanceName validates a VM name.
func InstanceName() validator.String {
	return Rule("must be "+InstanceNameRule, "Invalid instance name", CheckInstanceName)
}

// PasswordSpecials are the special characters JD Cloud documents for VM
// passwords (SDK vm/models/InstanceSpec.go). The list there is markdown:
// whether its `\|` means a backslash too is unclear, so a backslash is
// refused, which works under either reading.
const PasswordSpecials = "()`~!@#$%^&*_-+=|{}[]:\";'<>,.?/"

// CheckPassword applies JD Cloud's VM password rule: 8 to 30 characters with
// at least three of upper case, lower case, digits and the documented
// special characters, and nothing else.
func CheckPassword(s string) error {
	n := utf8.RuneCountInString(s)
	if n < 8 || n > 30 {
		return fmt.Errorf("is %d characters long; it must be 8 to 30", n)
	}
	var upper, lower, digit, special bool
	for _, r := range s {
		switch {
		case r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r):
			return fmt.Errorf("may only contain printable ASCII characters without spaces")
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(PasswordSpecials, r):
			special = true
		default:
			return fmt.Errorf("contains %q, which JD Cloud does not accept; its special characters are %s", r, PasswordSpecials)
		}
	}
	classes := 0
	for _, ok := range []bool{upper, lower, digit, special} {
		if ok {
			classes++
		}
	}
	if classes < 3 {
		return fmt.Errorf("must contain at least three of: upper-case letters, lower-case letters, digits, special characters (it has %d)", classes)
	}
	return nil
}

// Password validates a VM password without ever echoing it.
func Password() validator.String {
	return Rule(
		"8 to 30 characters with at least three of: upper-case letters, lower-case letters, digits, special characters ("+PasswordSpecials+"); nothing else",
		"Invalid password",
		CheckPassword,
	)
}

// CheckUserData enforces the 16 KB limit on a launch script before base64.
func CheckUserData(s string) error {
	if len(s) > UserDataMaxBytes {
		return fmt.Errorf("is %d bytes; JD Cloud's limit is 16 KB (%d bytes) before base64 encoding", len(s), UserDataMaxBytes)
	}
	return nil
}

// UserData validates the size of a plain-text launch script at plan time.
func UserData() validator.String {
	return Rule(fmt.Sprintf("at most 16 KB (%d bytes) before base64 encoding", UserDataMaxBytes), "User data too large", CheckUserData)
}

// CheckDescription enforces JD Cloud's 256-character limit on descriptions.
func CheckDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > 256 {
		return fmt.Errorf("is %d characters long; the limit is 256", n)
	}
	return nil
}

// Description validates a free-text description.
func Description() validator.String {
	return Rule("at most 256 characters", "Description too long", CheckDescription)
}
