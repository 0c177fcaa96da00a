/* placeholder: implemented in a later change */
typedef int sm__placeholder_load;
