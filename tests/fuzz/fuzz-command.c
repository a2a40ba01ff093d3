/* Fuzz target: the parser of client commands (subscribe, unsubscribe, hello, ping). */
#include "config.h"

#include <stdint.h>

#include "sp-protocol.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GError *error = NULL;
  SpCommand *command = sp_command_parse ((const char *) data, size, &error);

  /* Exactly one of a command and an error, and an error says something. */
  g_assert_true ((command == NULL) != (error == NULL));
  if (error != NULL)
    {
      g_assert_nonnull (error->message);
      g_error_free (error);
    }
  if (command != NULL)
    sp_command_free (command);

  return 0;
}
