# The token is not returned on import (it is only known at create).
terraform import secgroups_site.web site_2Nq8ZJbT0m3s4C1x2y3z4a5b6c7
