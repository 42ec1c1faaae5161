/* Telco CRM: show the branding of the user's operator in the web client.
   Installed into sao's web root by `make sao`. */
(function() {
    'use strict';
    function apply_branding(brand) {
        var root = document.documentElement;
        if (!brand) {
            root.classList.remove('telco-branded');
            return;
        }
        root.style.setProperty('--telco-primary', brand.primary_color);
        root.style.setProperty('--telco-secondary', brand.secondary_color);
        root.classList.add('telco-branded');
        Sao.config.title = brand.name;
        var logo = jQuery('#telco-logo');
        if (brand.logo) {
            if (!logo.length) {
                logo = jQuery('<img/>', {
                    'id': 'telco-logo',
                    'alt': brand.name,
                }).prependTo('.navbar-brand');
            }
            logo.attr('src', brand.logo);
        } else {
            logo.remove();
        }
        Sao.set_title();
    }
    function load_branding(session) {
        return Sao.rpc({
            'method': 'model.company.company.get_branding',
            'params': [session.context],
        }, session).then(apply_branding, function() {
            apply_branding(null);
        });
    }
    var reload_context = Sao.Session.prototype.reload_context;
    Sao.Session.prototype.reload_context = function() {
        var session = this;
        return reload_context.apply(this, arguments).then(function(result) {
            return load_branding(session).then(function() {
                return result;
            });
        });
    };
}());
