/* php.h must come first: php_session.h does not compile on its own. */
#include "php.h"
#include "php_ini.h"
#include "ext/session/php_session.h"
