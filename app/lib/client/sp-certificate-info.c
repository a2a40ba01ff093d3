/* What a person needs to judge a server certificate that did not verify.
 * Plain values; any thread. */
#include "config.h"

#include "sp-certificate-info.h"

G_DEFINE_BOXED_TYPE (SpCertificateInfo, sp_certificate_info,
                     sp_certificate_info_copy, sp_certificate_info_free)

static char *
describe_tls_problems (GTlsCertificateFlags errors)
{
  static const struct { GTlsCertificateFlags flag; const char *text; } problems[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA,
      "it is not signed by an authority this computer trusts (self-signed or unknown issuer)" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it was issued for another host name" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "it uses an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it could not be checked" },
  };
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (problems); i++)
    if (errors & problems[i].flag)
      {
        if (text->len > 0)
          g_string_append (text, "; ");
        g_string_append (text, problems[i].text);
      }

  if (text->len == 0)
    g_string_append (text, "it was refused");

  return g_string_free (g_steal_pointer (&text), FALSE);
}

SpCertificateInfo *
sp_certificate_info_new (GTlsCertificate      *certificate,
                         GTlsCertificateFlags  errors)
{
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  SpCertificateInfo *self;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  self = g_new0 (SpCertificateInfo, 1);
  self->subject = g_tls_certificate_get_subject_name (certificate);
  self->issuer = g_tls_certificate_get_issuer_name (certificate);
  self->problems = describe_tls_problems (errors);

  not_after = g_tls_certificate_get_not_valid_after (certificate);
  if (not_after != NULL)
    self->not_after = g_date_time_format_iso8601 (not_after);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der != NULL)
    {
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize digest_len = sizeof digest;
      GString *hex = g_string_new (NULL);

      g_checksum_update (checksum, der->data, der->len);
      g_checksum_get_digest (checksum, digest, &digest_len);
      for (gsize i = 0; i < digest_len; i++)
        g_string_append_printf (hex, "%s%02X", i ? ":" : "", digest[i]);
      self->sha256 = g_string_free (hex, FALSE);
    }

  return self;
}

SpCertificateInfo *
sp_certificate_info_copy (const SpCertificateInfo *self)
{
  SpCertificateInfo *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (SpCertificateInfo, 1);
  copy->subject = g_strdup (self->subject);
  copy->issuer = g_strdup (self->issuer);
  copy->sha256 = g_strdup (self->sha256);
  copy->problems = g_strdup (self->problems);
  copy->not_after = g_strdup (self->not_after);

  return copy;
}

void
sp_certificate_info_free (SpCertificateInfo *self)
{
  if (self == NULL)
    return;

  g_free (self->subject);
  g_free (self->issuer);
  g_free (self->sha256);
  g_free (self->problems);
  g_free (self->not_after);
  g_free (self);
}
