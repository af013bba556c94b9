package validate

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// CheckName applies JD Cloud's naming rule with the given maximum length in
// characters (not bytes: a Chinese character counts as one).
func CheckName(s string, maxLen int) error {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return fmt.Errorf("must not be empty (allowed: 1 to %d letters, digits, Chinese characters, _ and -)", maxLen)
	}
	if n > maxLen {
		return fmt.Errorf("is %d characters long; the limit is %d", n, maxLen)
	}
	for i, r := range []rune(s) {
		if !nameRune(r) {
			return fmt.Errorf("contains %q at position %d; only letters, digits, Chinese characters, underscore (_) and hyphen (-) are allowed", r, i+1)
		}
	}
	return nil
}

func nameRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
		return true
	}
	return unicode.Is(unicode.Han, r)
}

// Name validates a JD Cloud resource name of at most maxLen characters.
func Name(maxLen int) validator.String {
	rule := fmt.Sprintf("1 to %d characters: letters, digits, Chinese characters, underscore (_) and hyphen (-)", maxLen)
	return Rule(rule, "Invalid name", func(s string) error {
		if err := CheckName(s, maxLen); err != nil {
			return fmt.Errorf("%w. JD Cloud names allow %s", err, rule)
		}
		return nil
	})
}
