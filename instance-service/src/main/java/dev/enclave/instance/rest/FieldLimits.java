package dev.enclave.instance.rest;

/**
 * The longest value each text column takes (the Flyway schema's {@code VARCHAR} sizes): a longer
 * value is refused with 400 naming the field and its limit, in GitLab's words, before it reaches
 * the database (where it would fail as a 500).
 */
public final class FieldLimits {

    public static final int NAME = 255;
    public static final int PATH = 255;
    public static final int FULL_PATH = 1024;
    public static final int EMAIL = 255;
    public static final int PROJECT_DESCRIPTION = 2000;
    public static final int ISSUE_TITLE = 255;
    public static final int TEXT_BODY = 10000;
    public static final int URL = 2048;
    public static final int EGRESS_CIDRS = 4000;
    /**
     * A model API key, up to a Google service account's JSON key file (vertex_ai, about 2.4 KB); its
     * stored ciphertext (base64 of nonce, key and tag) must fit the column's 8192 characters.
     */
    public static final int MODEL_API_TOKEN = 4096;

    private FieldLimits() {
    }

    /** {@code value} (null passes: absent fields are checked elsewhere), at most {@code max} characters. */
    public static String require(String value, String field, int max) {
        if (value != null && value.length() > max) {
            throw ApiException.badRequest(field + " is too long (maximum is " + max + " characters)");
        }
        return value;
    }
}
